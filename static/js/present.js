// Present mode, progressive enhancement: the Back and Next links work without this file.
// Keys: arrow keys and Page Up / Page Down (what presenter clickers send) move between steps.
// The board and the presenter view, open in two windows of the same browser, follow each other through a
// BroadcastChannel: nothing leaves the browser.
(function () {
  "use strict";
  var slide = document.querySelector("[data-present]");
  if (!slide) { return; }
  var lesson = slide.getAttribute("data-present");
  var step = parseInt(slide.getAttribute("data-step"), 10);
  var base = slide.getAttribute("data-base");

  function follow(rel) {
    var link = document.querySelector(".slide-nav a[rel=" + rel + "]");
    if (link) { window.location.href = link.href; }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
    if (event.key === "ArrowRight" || event.key === "ArrowDown" || event.key === "PageDown") {
      event.preventDefault();
      follow("next");
    } else if (event.key === "ArrowLeft" || event.key === "ArrowUp" || event.key === "PageUp") {
      event.preventDefault();
      follow("prev");
    }
  });

  if ("BroadcastChannel" in window) {
    var channel = new BroadcastChannel("esafety-present-" + lesson);
    channel.onmessage = function (message) {
      var data = message.data || {};
      if (typeof data.step === "number" && data.step !== step && data.step >= 1) {
        window.location.href = base + data.step;
      }
    };
    channel.postMessage({step: step});
  }
}());
