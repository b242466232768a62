// SVP insertion: live updates (server-sent events) and the answer preview. No framework, no
// inline code (the Content-Security-Policy forbids it); every page works without this script.
"use strict";

// Live pages: when the server says `change`, fetch the page again and swap its live region,
// unless the person is typing in it (then say so instead of losing their text).
(function () {
  var url = document.body.getAttribute("data-live");
  var region = document.getElementById("live-region");
  if (!url || !window.EventSource) return;
  var source = new EventSource(url);
  source.addEventListener("change", function () {
    if (!region) {
      // A page with forms (a ticket): say it changed, never replace what is being written.
      if (document.getElementById("live-note")) return;
      var note = document.createElement("p");
      note.id = "live-note";
      note.className = "warning";
      note.setAttribute("role", "status");
      note.textContent = "Ce ticket vient de changer (pris en charge, répondu ou complété par quelqu'un d'autre). ";
      var link = document.createElement("a");
      link.href = window.location.pathname;
      link.textContent = "Recharger la page";
      note.appendChild(link);
      var main = document.getElementById("contenu");
      main.insertBefore(note, main.firstChild);
      return;
    }
    var typing = region.contains(document.activeElement) && document.activeElement.value;
    if (typing) {
      var note = document.getElementById("live-note");
      if (!note) {
        note = document.createElement("p");
        note.id = "live-note";
        note.className = "warning";
        note.textContent = "Du nouveau est arrivé : il s'affichera quand vous aurez envoyé votre texte (ou rechargez la page).";
        region.parentNode.insertBefore(note, region);
      }
      return;
    }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live-region");
        if (fresh) region.innerHTML = fresh.innerHTML;
      })
      .catch(function () {});
  });
})();

// Answer preview: the server renders the Markdown exactly as it will be published.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-preview-for]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-preview-for"));
  var target = document.getElementById(field.getAttribute("data-preview"));
  var body = new URLSearchParams();
  body.set("text", field.value);
  fetch("/desk/preview", { method: "POST", body: body, credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
    .then(function (html) {
      target.innerHTML = html; // sanitised by the server (ammonia)
      target.hidden = false;
    })
    .catch(function () {
      target.textContent = "Aperçu indisponible pour le moment.";
      target.hidden = false;
    });
});

// The desk's queue from the keyboard: j / k move to the next / previous ticket, Enter opens it
// (it is a link), / goes to the filters. Keys typed in a field are left alone.
document.addEventListener("keydown", function (event) {
  if (!document.querySelector("table.queue") || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable)) return;
  if (event.key === "/") {
    var filter = document.getElementById("status");
    if (filter) { event.preventDefault(); filter.focus(); }
    return;
  }
  if (event.key !== "j" && event.key !== "k") return;
  var links = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody td:first-child a"));
  if (!links.length) return;
  var i = links.indexOf(document.activeElement);
  i = event.key === "j" ? Math.min(i + 1, links.length - 1) : Math.max(i - 1, 0);
  event.preventDefault();
  links[i].focus();
});
