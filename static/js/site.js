// Progressive enhancement only: every page works without this file.
// Read aloud uses the browser's own speech synthesis: nothing is sent to a server or a third party.
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  // What is read, block by block: headings, paragraphs, list items, and the answers a pupil can choose.
  // Parts marked data-no-read (such as the same group names under every item to sort) are skipped.
  var BLOCKS = "h1, h2, h3, p, li, legend, label, blockquote, .choice-button";
  var run = 0; // each press of a read-aloud button starts a new run; callbacks of an older run do nothing

  function textOf(el) {
    var clone = el.cloneNode(true);
    clone.querySelectorAll("[aria-hidden=true], .visually-hidden, button, script, [hidden]").forEach(function (n) { n.remove(); });
    return clone.textContent.replace(/\s+/g, " ").trim();
  }

  // The blocks of every target (ids separated by spaces), outermost only, so nothing is read twice.
  function blocksOf(button) {
    var list = [];
    button.getAttribute("data-read-aloud").split(/\s+/).forEach(function (id) {
      var target = id && document.getElementById(id);
      if (!target) { return; }
      var found = Array.prototype.slice.call(target.querySelectorAll(BLOCKS));
      if (!found.length) { found = [target]; }
      found.forEach(function (block) {
        var inside = list.some(function (other) { return other.contains(block); });
        if (!inside && !block.closest("[hidden], [data-no-read]")) { list.push(block); }
      });
    });
    return list;
  }

  function clearHighlight() {
    document.querySelectorAll(".reading").forEach(function (b) { b.classList.remove("reading"); });
  }

  function setSpeaking(button, speaking) {
    button.classList.toggle("speaking", speaking);
    button.querySelector("span").textContent = speaking ? "Stop reading" : button.getAttribute("data-label");
  }

  function stop(button) {
    run += 1;
    synth.cancel();
    clearHighlight();
    if (button) { setSpeaking(button, false); }
  }

  function speakBlocks(list, button) {
    var mine = ++run;
    var index = 0;
    function next() {
      if (mine !== run) { return; }
      clearHighlight();
      if (index >= list.length) { setSpeaking(button, false); return; }
      var block = list[index++];
      var text = textOf(block);
      if (!text) { next(); return; }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "en-GB";
      utterance.rate = document.body.classList.contains("ks1") ? 0.85 : 0.95;
      utterance.onend = next;
      utterance.onerror = function () { if (mine === run) { stop(button); } };
      // Highlight the block being read, and keep it on screen.
      block.classList.add("reading");
      if (block.scrollIntoView) { block.scrollIntoView({block: "nearest", behavior: "smooth"}); }
      synth.speak(utterance);
    }
    next();
  }

  if (synth && "SpeechSynthesisUtterance" in window) {
    document.querySelectorAll("[data-read-aloud]").forEach(function (button) {
      button.setAttribute("data-label", button.querySelector("span").textContent);
      button.hidden = false;
      button.addEventListener("click", function () {
        var speaking = button.classList.contains("speaking");
        document.querySelectorAll("[data-read-aloud]").forEach(function (b) { setSpeaking(b, false); });
        stop(null);
        if (speaking) { return; }
        setSpeaking(button, true);
        speakBlocks(blocksOf(button), button);
      });
    });
    window.addEventListener("pagehide", function () { stop(null); });
  }

  // After answering, move focus to the feedback so keyboard and screen-reader users hear it first.
  var feedback = document.getElementById("feedback");
  if (feedback && window.location.hash === "#feedback") { feedback.focus(); }
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // Stop a double click sending a form twice (the server also records each thing once).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
  // A page restored by the Back button keeps its old state: let its forms be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-sent]").forEach(function (form) { delete form.dataset.sent; });
    document.querySelectorAll("[data-read-aloud]").forEach(function (b) { setSpeaking(b, false); });
    clearHighlight();
  });
  // "Print this list" buttons (hidden without JavaScript, where the browser's own Print works).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
