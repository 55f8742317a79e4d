// Kokoro Live playground: speak through /ws/tts/live and play the PCM as it arrives.
//
// Every URL is relative to the page, so it works behind a path prefix (Home Assistant ingress).
// Audio frames are scheduled back to back on one Web Audio clock: gapless, whatever the network
// does, as long as each frame arrives before the one before it has finished playing.

const PAUSE_MS = 1500; // "stream as I type": a pause this long ends the utterance
const LEAD_SECONDS = 0.05; // headroom before the first frame of a burst starts

const $ = (id) => document.getElementById(id);

// -- the API key ---------------------------------------------------------------------------------
// Asked for once when the server needs one, kept in this tab's session storage only: it goes
// in the Authorization header of HTTP requests and in the init message of each session.

const KEY_STORAGE = "kokoro-live-api-key";

function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

function authHeaders() {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

// Show the key form; resolves once a key is entered (and stored).
function askForKey(refused) {
  sessionStorage.removeItem(KEY_STORAGE);
  const form = $("key-form");
  form.hidden = false;
  $("speak-form").inert = true;
  showMessage(refused ? "The server refused that API key." : "This server needs an API key.", refused);
  $("api-key").focus();
  return new Promise((resolve) => {
    form.onsubmit = (event) => {
      event.preventDefault();
      const key = $("api-key").value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_STORAGE, key);
      $("api-key").value = "";
      form.hidden = true;
      $("speak-form").inert = false;
      showMessage("");
      resolve();
    };
  });
}

// A test hook (and a console aid): what the page has received.
const hook = {
  framesReceived: 0,
  samplesReceived: 0,
  lastTtfaMs: null,
  sessions: 0,
  errors: [],
  voices: [],
};
window.kokoroPlayground = hook;

let sampleRate = 24000;
let audioContext = null;
let playhead = 0;
const sources = new Set();
const utterances = new Set();
let take = []; // PCM s16le chunks heard since the last Speak (or since typing began)

// -- audio ------------------------------------------------------------------------------------

function ensureAudio() {
  // Created on a click or a keystroke: browsers only let a user gesture start audio.
  if (!audioContext) {
    audioContext = new AudioContext();
  }
  if (audioContext.state === "suspended") {
    audioContext.resume();
  }
  return audioContext;
}

function play(bytes) {
  const context = ensureAudio();
  const count = bytes.byteLength / 2;
  const buffer = context.createBuffer(1, count, sampleRate);
  const channel = buffer.getChannelData(0);
  const view = new DataView(bytes);
  for (let i = 0; i < count; i++) {
    channel[i] = view.getInt16(2 * i, true) / 32768;
  }
  const source = context.createBufferSource();
  source.buffer = buffer;
  source.connect(context.destination);
  const startAt = Math.max(playhead, context.currentTime + LEAD_SECONDS);
  source.start(startAt);
  playhead = startAt + buffer.duration;
  sources.add(source);
  source.onended = () => sources.delete(source);
}

function stopAll() {
  for (const utterance of utterances) {
    utterance.close();
  }
  for (const source of sources) {
    source.stop();
  }
  sources.clear();
  playhead = 0;
  endTyping();
}

function newTake() {
  take = [];
  $("download").disabled = true;
}

function wavBlob(chunks, rate) {
  const dataLength = chunks.reduce((total, chunk) => total + chunk.byteLength, 0);
  const header = new DataView(new ArrayBuffer(44));
  const ascii = (offset, text) => {
    for (let i = 0; i < text.length; i++) header.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, "RIFF");
  header.setUint32(4, 36 + dataLength, true);
  ascii(8, "WAVEfmt ");
  header.setUint32(16, 16, true); // fmt chunk size
  header.setUint16(20, 1, true); // PCM
  header.setUint16(22, 1, true); // mono
  header.setUint32(24, rate, true);
  header.setUint32(28, rate * 2, true); // bytes per second
  header.setUint16(32, 2, true); // bytes per sample frame
  header.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  header.setUint32(40, dataLength, true);
  return new Blob([header.buffer, ...chunks], { type: "audio/wav" });
}

function download() {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(wavBlob(take, sampleRate));
  link.download = "kokoro-live.wav";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

// -- the live protocol ----------------------------------------------------------------------

function liveUrl() {
  const url = new URL("ws/tts/live", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

function voiceSpec() {
  const voice = $("voice").value;
  const blend = $("blend-voice").value;
  if (!blend || blend === voice) {
    return voice;
  }
  const weight = Number($("blend-weight").value);
  return `${voice}:${(1 - weight).toFixed(2)}+${blend}:${weight.toFixed(2)}`;
}

function initMessage() {
  const init = { voice: voiceSpec(), speed: Number($("speed").value) };
  if (apiKey()) {
    init.api_key = apiKey();
  }
  if ($("language").value) {
    init.language = $("language").value;
  }
  return init;
}

// One /ws/tts/live session: text pieces in (queued until the server is ready), audio out.
class Utterance {
  constructor() {
    this.ready = false;
    this.ended = false;
    this.finished = false;
    this.pending = [];
    this.textAt = null;
    this.heard = false;
    this.ws = new WebSocket(liveUrl());
    this.ws.binaryType = "arraybuffer";
    this.ws.onopen = () => this.ws.send(JSON.stringify(initMessage()));
    this.ws.onmessage = (event) => this.receive(event.data);
    this.ws.onclose = (event) => this.closed(event);
    utterances.add(this);
    hook.sessions += 1;
  }

  send(text) {
    if (this.ended || !text) return;
    this.textAt ??= performance.now();
    if (this.ready) {
      this.ws.send(text);
    } else {
      this.pending.push(text);
    }
  }

  end() {
    if (this.ended) return;
    this.ended = true;
    if (this.ready) this.ws.send("");
  }

  close() {
    this.ended = true;
    this.finished = true;
    this.ws.close();
  }

  receive(data) {
    if (typeof data !== "string") {
      this.audio(data);
      return;
    }
    const message = JSON.parse(data);
    if (message.type === "ready") {
      this.ready = true;
      sampleRate = message.sample_rate;
      for (const piece of this.pending) this.ws.send(piece);
      this.pending = [];
      if (this.ended) this.ws.send("");
    } else if (message.type === "error") {
      this.finished = true;
      hook.errors.push(message.message);
      if (message.code === "invalid_api_key") {
        askForKey(true); // the key was rotated away: ask again, then Speak works
        return;
      }
      showMessage(message.message, true);
    } else if (message.type === "end") {
      this.finished = true;
      showMessage("Done.");
    }
    // "audio": its binary frame follows.
  }

  audio(bytes) {
    if (!this.heard) {
      this.heard = true;
      const ttfa = Math.round(performance.now() - this.textAt);
      hook.lastTtfaMs = ttfa;
      $("ttfa").textContent = `${ttfa} ms`;
    }
    hook.framesReceived += 1;
    hook.samplesReceived += bytes.byteLength / 2;
    take.push(bytes);
    $("received").textContent = `${(hook.samplesReceived / sampleRate).toFixed(1)} s`;
    $("download").disabled = false;
    play(bytes);
  }

  closed(event) {
    utterances.delete(this);
    if (typing === this) typing = null;
    if (!this.finished) {
      const reason = event.reason || `the connection closed (${event.code})`;
      hook.errors.push(reason);
      showMessage(`Stopped: ${reason}`, true);
    }
  }
}

function showMessage(text, isError = false) {
  const message = $("message");
  message.textContent = text;
  message.classList.toggle("error", isError);
}

// -- speak, and stream as I type --------------------------------------------------------------

function speak(event) {
  event.preventDefault();
  const text = $("text").value;
  if (!text.trim()) {
    showMessage("Type something to speak.", true);
    return;
  }
  stopAll();
  newTake();
  ensureAudio();
  showMessage("Speaking…");
  const utterance = new Utterance();
  utterance.send(text);
  utterance.end();
}

let typing = null; // the utterance being typed
let sentUpTo = 0; // how much of the text box has been sent
let pauseTimer = null;

function typeMode() {
  return $("type-mode").checked;
}

function typed() {
  if (!typeMode()) return;
  const value = $("text").value;
  if (value.length < sentUpTo) {
    sentUpTo = value.length; // deleted: what was sent is already spoken
    return;
  }
  const piece = value.slice(sentUpTo);
  if (!piece) return;
  ensureAudio();
  if (!typing) {
    typing = new Utterance();
    showMessage("Listening to your typing…");
  }
  typing.send(piece);
  sentUpTo = value.length;
  clearTimeout(pauseTimer);
  pauseTimer = setTimeout(endTyping, PAUSE_MS);
}

function endTyping() {
  clearTimeout(pauseTimer);
  if (typing) {
    typing.end();
    typing = null;
  }
}

function toggleTypeMode() {
  endTyping();
  if (typeMode()) {
    newTake();
    sentUpTo = $("text").value.length; // speak what is typed from now on
    $("text").focus();
  }
}

// -- setup ---------------------------------------------------------------------------------------

function option(value, label) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label ?? value;
  return element;
}

/** The voices as one <optgroup> per language, in the server's language order. */
function voiceGroups(info, label) {
  const languageOf = info.voice_languages ?? {};
  const languageNames = info.language_names ?? {};
  const order = [...info.languages, ""];
  const byLanguage = new Map(order.map((code) => [code, []]));
  for (const id of info.voices) {
    const code = byLanguage.has(languageOf[id]) ? languageOf[id] : "";
    byLanguage.get(code).push(option(id, label(id)));
  }
  return order
    .filter((code) => byLanguage.get(code).length)
    .map((code) => {
      const group = document.createElement("optgroup");
      group.label = languageNames[code] ?? (code || "Other");
      group.append(...byLanguage.get(code));
      return group;
    });
}

async function loadVoices() {
  let response = await fetch("voices", { headers: authHeaders() });
  while (response.status === 401) {
    await askForKey(apiKey() !== null);
    response = await fetch("voices", { headers: authHeaders() });
  }
  if (!response.ok) {
    throw new Error(`GET voices answered ${response.status}`);
  }
  const info = await response.json();
  hook.voices = info.voices;
  const names = info.voice_names ?? {};
  const label = (id) => (names[id] ? `${names[id]} (${id})` : id);
  $("voice").replaceChildren(...voiceGroups(info, label));
  $("voice").value = info.default_voice.split(/[:+]/)[0];
  $("blend-voice").append(...voiceGroups(info, label));
  const languageNames = info.language_names ?? {};
  $("language").replaceChildren(
    option("", `Server default (${info.default_language})`),
    ...info.languages.map((code) =>
      option(code, languageNames[code] ? `${languageNames[code]} (${code})` : code),
    ),
  );
  $("speed").value = info.default_speed;
  $("speed-value").textContent = Number(info.default_speed).toFixed(2);
}

function setUp() {
  $("speak-form").addEventListener("submit", speak);
  $("stop").addEventListener("click", () => {
    stopAll();
    showMessage("Stopped.");
  });
  $("download").addEventListener("click", download);
  $("type-mode").addEventListener("change", toggleTypeMode);
  $("text").addEventListener("input", typed);
  $("text").addEventListener("keydown", (event) => {
    if (typeMode() && event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      endTyping();
    }
  });
  $("text").addEventListener("blur", () => {
    if (typeMode()) endTyping();
  });
  $("speed").addEventListener("input", () => {
    $("speed-value").textContent = Number($("speed").value).toFixed(2);
  });
  $("blend-voice").addEventListener("change", () => {
    $("blend-weight").disabled = !$("blend-voice").value;
  });
  $("blend-weight").addEventListener("input", () => {
    $("blend-weight-value").textContent = Number($("blend-weight").value).toFixed(2);
  });
  loadVoices().then(
    () => {
      document.body.dataset.ready = "true";
    },
    (error) => showMessage(`Could not load the voices: ${error.message}`, true),
  );
}

setUp();
