// "Compartir" on the guest pass and the payment confirmation (see app/src/booking/share.rs).
// A file, not an inline script: the CSP allows none. Without JavaScript the element stays a
// plain WhatsApp link. Listens on the document so it also works for content the router
// renders after this module ran.
const say = (root, message) => {
  const status = root && root.querySelector("[data-share-status]");
  if (status) status.textContent = message;
};

document.addEventListener("click", async (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const trigger = target && target.closest("[data-share-url]");
  if (!trigger) return;
  event.preventDefault();
  const root = trigger.closest("[data-share-root]");
  const url = trigger.getAttribute("data-share-url") || "";
  const title = trigger.getAttribute("data-share-title") || document.title;
  const text = trigger.getAttribute("data-share-text") || "";
  if (typeof navigator.share === "function") {
    try {
      await navigator.share({ title, text, url });
      say(root, "");
      return;
    } catch (err) {
      // The person closed the share sheet: nothing to do. Any other failure: copy instead.
      if (err && err.name === "AbortError") return;
    }
  }
  try {
    await navigator.clipboard.writeText(url);
    say(root, "Enlace copiado. Pégalo en WhatsApp o donde quieras compartirlo.");
  } catch (_) {
    const field = root && root.querySelector("[data-share-field]");
    if (field) {
      field.focus();
      field.select();
    }
    say(root, "No pudimos copiar el enlace: cópialo desde el campo de arriba.");
  }
});
