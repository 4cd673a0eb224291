// "Escanear pase" on /conserjeria (progressive enhancement).
//
// The phone's camera reads the guest pass's QR code (a link /conserjeria?pase=<code>, see
// app/src/domain/gate_link.rs) and the code goes through the page's own verification form —
// the same server function, scope checks, rate limit and access event as typing it — so the
// concierge lands on the same AUTORIZADO / DENEGADO card. Decoding uses the browser's
// BarcodeDetector where it reads QR codes, otherwise the vendored jsQR decoder
// (/vendor/jsqr/jsQR.js, Apache-2.0), loaded only then. Without JavaScript or a camera the
// scan button stays hidden (CSS: .has-camera) and typing works as always.
//
// The server sends `Permissions-Policy: camera=(self)` on /conserjeria only. A page reached by a
// client-side navigation keeps the policy of the document it started on, so when the camera is
// not allowed here the page reloads itself once and starts scanning.

const RESUME_KEY = "estacionate.gate-scan.resume";
const INTERVAL_MS = 150;

let stream = null;
let timer = null;

function el(name) {
  return document.querySelector(`[data-gate-scan-${name}]`);
}

function say(text) {
  const p = el("status");
  if (p) p.textContent = text;
}

function cameraApi() {
  return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

function cameraAllowedHere() {
  const policy = document.permissionsPolicy || document.featurePolicy;
  return !policy || typeof policy.allowsFeature !== "function" || policy.allowsFeature("camera");
}

// The code a scanned text carries: the `pase` parameter of a gate link, or the text itself.
export function codeOf(text) {
  const trimmed = String(text).trim();
  try {
    const url = new URL(trimmed);
    if (url.pathname.endsWith("/conserjeria") && url.searchParams.get("pase")) {
      return url.searchParams.get("pase");
    }
  } catch (_) {
    // Not a URL: a code or a plate as printed.
  }
  return trimmed.slice(0, 64);
}

let jsQrLoading = null;

function loadJsQr() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  if (!jsQrLoading) {
    jsQrLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/vendor/jsqr/jsQR.js";
      script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR")));
      script.onerror = () => {
        jsQrLoading = null;
        reject(new Error("jsQR"));
      };
      document.head.appendChild(script);
    });
  }
  return jsQrLoading;
}

// A function () -> Promise<string | null> reading one QR code off the video's current frame;
// its `kind` says which decoder it uses (shown as data-decoder on the scanner, for tests).
async function decoder(video) {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        const read = async () => {
          const found = await detector.detect(video);
          return found.length ? found[0].rawValue : null;
        };
        read.kind = "barcode-detector";
        return read;
      }
    } catch (_) {
      // Fall through to jsQR.
    }
  }
  const jsQR = await loadJsQr();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const read = async () => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h) return null;
    canvas.width = w;
    canvas.height = h;
    context.drawImage(video, 0, 0, w, h);
    const image = context.getImageData(0, 0, w, h);
    const found = jsQR(image.data, w, h, { inversionAttempts: "dontInvert" });
    return found ? found.data : null;
  };
  read.kind = "jsqr";
  return read;
}

function stop(message) {
  if (timer) clearTimeout(timer);
  timer = null;
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  const video = el("video");
  if (video) {
    video.srcObject = null;
    video.hidden = true;
  }
  const stopButton = el("stop");
  if (stopButton) stopButton.hidden = true;
  const startButton = el("start");
  if (startButton) startButton.hidden = false;
  if (message !== undefined) say(message);
}

function submit(text) {
  const input = document.getElementById("q");
  if (!input || !input.form) return;
  const code = codeOf(text);
  input.value = code;
  say(`Pase leído (${code}): verificando…`);
  input.form.requestSubmit();
}

// Reloads the gate screen (its own document carries `camera=(self)`) and scans again once there.
function reloadAndResume() {
  sessionStorage.setItem(RESUME_KEY, "1");
  say("Preparando la cámara…");
  location.reload();
}

async function start(resumed) {
  if (stream) return;
  if (!cameraAllowedHere() && !resumed) {
    reloadAndResume();
    return;
  }
  const video = el("video");
  if (!video) return;
  say("Abriendo la cámara…");
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (err) {
    stream = null;
    const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
    // Browsers without a policy API refuse the same way when this document's policy is not
    // the gate screen's: one reload tells the two apart.
    if (denied && !resumed) {
      reloadAndResume();
      return;
    }
    say(
      denied
        ? "No se pudo usar la cámara: permite el acceso en el navegador o escribe el código."
        : "No encontramos una cámara en este equipo: escribe el código.",
    );
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  el("start").hidden = true;
  el("stop").hidden = false;
  try {
    await video.play();
  } catch (_) {
    // Autoplay of a muted inline video is allowed; a refusal only delays the first frame.
  }
  let read;
  try {
    read = await decoder(video);
    el("start").closest("[data-gate-scan]").dataset.decoder = read.kind;
  } catch (_) {
    stop("No pudimos cargar el lector de códigos: escribe el código.");
    return;
  }
  say("Apunta la cámara al código QR del pase.");
  const tick = async () => {
    timer = null;
    if (!stream) return;
    if (!video.isConnected) {
      stop();
      return;
    }
    let text = null;
    try {
      text = await read();
    } catch (_) {
      text = null;
    }
    if (!stream) return;
    if (text) {
      stop();
      submit(text);
      return;
    }
    timer = setTimeout(tick, INTERVAL_MS);
  };
  tick();
}

if (cameraApi()) {
  document.documentElement.classList.add("has-camera");
}

document.addEventListener("click", (ev) => {
  const target = ev.target instanceof Element ? ev.target : null;
  if (!target) return;
  if (target.closest("[data-gate-scan-start]")) start(false);
  else if (target.closest("[data-gate-scan-stop]")) stop("Escaneo cancelado.");
});

window.addEventListener("pagehide", () => stop());

if (cameraApi() && sessionStorage.getItem(RESUME_KEY) === "1" && el("start")) {
  sessionStorage.removeItem(RESUME_KEY);
  start(true);
}
