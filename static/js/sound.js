// Sounds made with the Web Audio API (no files to download): a soft tick for a safe step, a
// buzzer for a beep, a chime for your turn, a fanfare for a crossing. Phones only play sound
// after a tap, so the audio is unlocked by gestures. Muting is remembered.

const MUTE_KEY = "electric-maze:muted";
const GESTURES = ["pointerdown", "keydown", "touchend"];
let context = null;
let muted = readMuted();
const listeners = new Set();

function readMuted() {
  try {
    return localStorage.getItem(MUTE_KEY) === "1";
  } catch {
    return false;
  }
}

export function isMuted() {
  return muted;
}

export function setMuted(value) {
  muted = Boolean(value);
  try {
    localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
  } catch {
    // private mode: the choice lasts for this page only
  }
  for (const listener of listeners) listener(muted);
}

export function isUnlocked() {
  return context !== null && context.state === "running";
}

function audio() {
  if (context !== null) return context;
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!AudioContextClass) return null;
  try {
    context = new AudioContextClass();
  } catch {
    context = null;
  }
  return context;
}

// Call once. Every tap, click or key press starts the audio if it is not running (and plays
// a silent sound, which older iPhones need before they play anything): phones suspend it
// when they lock, and a reloaded page starts without it. Coming back to the page tries too.
// onChange(unlocked) hears each change, to show or hide a "tap for sound" hint.
export function unlockOnGestures(onChange = () => {}) {
  if (!window.AudioContext && !window.webkitAudioContext) {
    onChange(true); // no sound here, and nothing to ask for
    return;
  }
  const changed = () => onChange(isUnlocked());
  const unlock = () => {
    const fresh = context === null;
    const ctx = audio();
    if (ctx === null) return;
    if (fresh) ctx.addEventListener("statechange", changed);
    if (ctx.state !== "running") {
      try {
        const source = ctx.createBufferSource();
        source.buffer = ctx.createBuffer(1, 1, 22050);
        source.connect(ctx.destination);
        source.start(0);
      } catch {
        // nothing to unlock with
      }
      ctx.resume().then(changed, () => {});
    }
    changed();
  };
  for (const type of GESTURES) window.addEventListener(type, unlock, { capture: true, passive: true });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && context !== null && context.state !== "running") {
      context.resume().then(changed, () => {});
    }
  });
  changed();
}

function ready() {
  return !muted && isUnlocked() ? context : null;
}

function tone(ctx, { type = "sine", frequency, to = null, start = 0, duration, gain }) {
  const at = ctx.currentTime + start;
  const oscillator = ctx.createOscillator();
  const volume = ctx.createGain();
  oscillator.type = type;
  oscillator.frequency.setValueAtTime(frequency, at);
  if (to !== null) oscillator.frequency.exponentialRampToValueAtTime(to, at + duration);
  volume.gain.setValueAtTime(0.0001, at);
  volume.gain.exponentialRampToValueAtTime(gain, at + 0.012);
  volume.gain.setValueAtTime(gain, at + Math.max(0.012, duration - 0.05));
  volume.gain.exponentialRampToValueAtTime(0.0001, at + duration);
  oscillator.connect(volume).connect(ctx.destination);
  oscillator.start(at);
  oscillator.stop(at + duration + 0.02);
}

export function tick() {
  const ctx = ready();
  if (ctx) tone(ctx, { frequency: 1320, duration: 0.07, gain: 0.12 });
}

export function buzz() {
  const ctx = ready();
  if (!ctx) return;
  tone(ctx, { type: "square", frequency: 98, duration: 0.75, gain: 0.22 });
  tone(ctx, { type: "sawtooth", frequency: 104, duration: 0.75, gain: 0.16 });
}

export function chime() {
  const ctx = ready();
  if (!ctx) return;
  tone(ctx, { frequency: 660, duration: 0.18, gain: 0.18 });
  tone(ctx, { frequency: 990, start: 0.16, duration: 0.3, gain: 0.18 });
}

export function fanfare() {
  const ctx = ready();
  if (!ctx) return;
  [523, 659, 784, 1047].forEach((frequency, index) =>
    tone(ctx, { type: "triangle", frequency, start: index * 0.12, duration: index === 3 ? 0.5 : 0.16, gain: 0.2 }),
  );
}

// Vibration where the device has it (not iPhones), and only after the person has touched
// the page, which browsers require.
export function vibrate(pattern) {
  if (typeof navigator.vibrate !== "function") return;
  const activation = navigator.userActivation;
  if (activation && !activation.hasBeenActive) return;
  try {
    navigator.vibrate(pattern);
  } catch {
    // not allowed here
  }
}

export function bindMuteButton(button) {
  if (!button) return;
  const show = () => button.setAttribute("aria-pressed", String(muted));
  show();
  listeners.add(show);
  button.addEventListener("click", () => setMuted(!muted));
}
