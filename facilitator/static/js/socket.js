// The facilitator's socket: signs in with the token, keeps the latest view and metrics, and
// reconnects (with the last seq, so only missed events come back) until told not to.

import { Connection, ServerClock } from "./shared.js";

const VIEW_TYPES = new Set(["welcome", "resumed", "snapshot", "update"]);

export class ConsoleSocket {
  constructor(workshopId, token, handlers) {
    this.token = token;
    this.handlers = {
      onView: () => {},
      onMetrics: () => {},
      onEvents: () => {},
      onError: () => {},
      onState: () => {},
      onDenied: () => {},
      ...handlers,
    };
    this.clock = new ServerClock();
    this.view = null;
    this.metrics = null;
    this.join = null; // base_url and each team's join code and link
    this.lastSeq = null;
    this.connection = new Connection(`/ws/facilitate/${encodeURIComponent(workshopId)}`, {
      onOpen: () => this.signIn(),
      onMessage: (message) => this.received(message),
      onState: (state) => this.handlers.onState(state),
      onFinal: (code) => this.closed(code),
    });
  }

  start() {
    this.connection.start();
  }

  signIn() {
    const auth = { type: "auth", token: this.token };
    if (this.lastSeq !== null) auth.last_seq = this.lastSeq;
    this.connection.send(auth);
  }

  get online() {
    return this.connection.isOpen() && this.view !== null;
  }

  // A command for the server; false when it could not be sent (the socket is down).
  send(command) {
    return this.online && this.connection.send(command);
  }

  received(message) {
    this.clock.sync(message.now);
    if (message.type === "error") {
      if (message.code === "unauthorised") this.handlers.onDenied("invalid");
      else if (message.code === "no_such_workshop") this.handlers.onDenied("not_found");
      else if (message.code === "too_many_attempts") this.handlers.onDenied("blocked");
      else this.handlers.onError(message);
      return;
    }
    if (message.type === "metrics") {
      this.metrics = message.metrics;
      this.handlers.onMetrics(message.metrics);
      return;
    }
    if (!VIEW_TYPES.has(message.type)) return;
    if (message.join) this.join = { base_url: message.base_url, phones_can_reach: message.phones_can_reach !== false, teams: message.join };
    this.lastSeq = message.seq;
    const fresh = message.type !== "update" && message.type !== "resumed";
    this.view = message.view;
    if (message.events?.length) this.handlers.onEvents(message.events, { missed: message.type === "resumed" });
    this.handlers.onView(message.view, { fresh, type: message.type });
  }

  closed(code) {
    if (code === 4401) this.handlers.onDenied("invalid");
    else if (code === 4404) this.handlers.onDenied("not_found");
    else if (code === 1008) {
      this.handlers.onDenied("blocked");
      setTimeout(() => this.connection.restart(), 61_000);
    } else this.handlers.onDenied("closed");
  }

  now() {
    return this.clock.now();
  }
}
