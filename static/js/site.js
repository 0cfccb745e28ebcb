// Progressive enhancement only: every page works without this file.
// Read aloud uses the browser's own speech synthesis: nothing is sent to a server or a third party.
(function () {
  "use strict";
  var synth = window.speechSynthesis;

  function textOf(el) {
    var clone = el.cloneNode(true);
    clone.querySelectorAll("[aria-hidden=true], .visually-hidden, button, script").forEach(function (n) { n.remove(); });
    return clone.textContent.replace(/\s+/g, " ").trim();
  }

  function blocks(el) {
    var found = el.querySelectorAll("h1, h2, h3, p, li, legend, label, blockquote");
    return found.length ? Array.prototype.slice.call(found) : [el];
  }

  function speakBlocks(list, button) {
    var index = 0;
    function clear() { list.forEach(function (b) { b.classList.remove("reading"); }); }
    function next() {
      clear();
      if (index >= list.length) { button.setAttribute("aria-pressed", "false"); return; }
      var block = list[index++];
      var text = textOf(block);
      if (!text) { next(); return; }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "en-GB";
      utterance.rate = document.body.classList.contains("ks1") ? 0.85 : 0.95;
      utterance.onstart = function () { block.classList.add("reading"); };
      utterance.onend = next;
      utterance.onerror = function () { clear(); button.setAttribute("aria-pressed", "false"); };
      synth.speak(utterance);
    }
    next();
  }

  if (synth && "SpeechSynthesisUtterance" in window) {
    document.querySelectorAll("[data-read-aloud]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-read-aloud"));
      if (!target) { return; }
      button.hidden = false;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        var speaking = button.getAttribute("aria-pressed") === "true";
        synth.cancel();
        if (speaking) { button.setAttribute("aria-pressed", "false"); return; }
        button.setAttribute("aria-pressed", "true");
        speakBlocks(blocks(target), button);
      });
    });
    window.addEventListener("pagehide", function () { synth.cancel(); });
  }

  // After answering, move focus to the feedback so keyboard and screen-reader users hear it first.
  var feedback = document.getElementById("feedback");
  if (feedback && window.location.hash === "#feedback") { feedback.focus(); }
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // Stop a double click sending a form twice (the server also records each thing once).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      if (form.dataset.sent) { return; }
      setTimeout(function () { form.dataset.sent = "1"; }, 0);
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); }
    });
  });
}());
