// One WebSocket that keeps itself alive: reconnects with exponential backoff and jitter,
// at once when the page comes back (visibilitychange, online, pageshow), and when the server
// has been silent for too long (it sends a heartbeat at least every 15 s). A socket that
// still looks open when the page comes back (a phone waking up) may be dead: it is pinged,
// and dropped if nothing comes back in a few seconds.

const SILENCE_MS = 40_000;
const PROBE_MS = 3_000;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;
// The server's close codes that mean "do not come back by yourself".
export const FINAL_CLOSE_CODES = new Set([1008, 1009, 4001, 4003, 4401, 4404]);
const READY_TYPES = new Set(["welcome", "resumed", "snapshot"]);

// The socket early-socket.js opened for this path while the page loaded, if it is still good.
function takeEarlySocket(path) {
  window.socketOpened = true;
  const early = window.earlySocket;
  if (!early) return null;
  delete window.earlySocket;
  if (new URL(early.url).pathname === path && early.readyState <= WebSocket.OPEN) return early;
  early.close();
  return null;
}

export class Connection {
  constructor(path, { onOpen = () => {}, onMessage = () => {}, onState = () => {}, onFinal = () => {} } = {}) {
    this.path = path;
    this.handlers = { onOpen, onMessage, onState, onFinal };
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.watchdog = null;
    this.probe = null;
    this.stopped = false;
    this.state = "reconnecting";
  }

  start() {
    const wake = () => this.reconnectNow();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") wake();
    });
    window.addEventListener("online", wake);
    window.addEventListener("offline", () => this.drop());
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) wake();
    });
    this.open();
  }

  isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (!this.isOpen()) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  // After a final close: connect again because the person asked to.
  restart() {
    this.stopped = false;
    this.attempt = 0;
    this.reconnectNow();
  }

  reconnectNow() {
    if (this.stopped) return;
    if (this.isOpen()) {
      this.checkAlive();
      return;
    }
    if (this.socket && this.socket.readyState === WebSocket.CONNECTING) return;
    this.open();
  }

  // Ping; any message within PROBE_MS proves the socket alive, else it is replaced.
  checkAlive() {
    if (this.probe !== null) return;
    const socket = this.socket;
    this.probe = setTimeout(() => {
      this.probe = null;
      if (socket !== this.socket) return;
      this.drop();
      this.reconnectNow();
    }, PROBE_MS);
    this.send({ type: "ping" });
  }

  open() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.detach();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = takeEarlySocket(this.path) ?? new WebSocket(`${scheme}//${location.host}${this.path}`);
    this.socket = socket;
    const opened = () => {
      if (socket !== this.socket) return;
      this.armWatchdog();
      this.setState("online");
      this.handlers.onOpen();
    };
    if (socket.readyState === WebSocket.OPEN) queueMicrotask(opened);
    else socket.addEventListener("open", opened);
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.armWatchdog();
      clearTimeout(this.probe);
      this.probe = null;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (READY_TYPES.has(message.type)) this.attempt = 0;
      this.handlers.onMessage(message);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      clearTimeout(this.watchdog);
      clearTimeout(this.probe);
      this.probe = null;
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.stopped = true;
        this.setState("closed");
        this.handlers.onFinal(event.code, event.reason);
        return;
      }
      this.setState("reconnecting");
      this.scheduleRetry();
    });
  }

  // Forget the current socket (dead, or about to be replaced) without waiting for its close.
  drop() {
    if (this.socket === null) return;
    this.detach();
    if (!this.stopped) {
      this.setState("reconnecting");
      this.scheduleRetry();
    }
  }

  detach() {
    const old = this.socket;
    this.socket = null;
    clearTimeout(this.watchdog);
    clearTimeout(this.probe);
    this.probe = null;
    if (old && old.readyState <= WebSocket.OPEN) {
      try {
        old.close(1000, "reconnecting");
      } catch {
        // already closing
      }
    }
  }

  scheduleRetry() {
    if (this.retryTimer !== null || this.stopped) return;
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  armWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.drop(), SILENCE_MS);
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.handlers.onState(state);
  }
}
