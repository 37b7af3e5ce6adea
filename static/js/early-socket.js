// The participant's socket, opened while the page's other scripts are still on their way
// (loaded with `async`, on its own), so that on a slow network the handshake costs no extra
// time. The server says nothing on it until it is sent a join or a resume, so no message
// is missed before connection.js takes it over.

// When this script runs late, after connection.js has opened its own socket, it opens none.
const team = location.pathname.match(/^\/join\/([^/]+)$/);
if (team && "WebSocket" in window && !window.socketOpened) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  window.earlySocket = new WebSocket(`${scheme}//${location.host}/ws/play/${team[1]}`);
}
