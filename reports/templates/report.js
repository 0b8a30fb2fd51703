(function () {
  "use strict";
  // The page reads fine without this script; it only adds the toolbar.
  var tools = document.querySelector(".tools");
  tools.hidden = false;
  function setAll(open) {
    document.querySelectorAll("details").forEach(function (d) { d.open = open; });
  }
  function embedded(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }
  function copyByHand(text) {  // when the Clipboard API is unavailable or refused
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  function copy(text, what) {
    var out = document.getElementById("copied");
    function done(ok) {
      out.textContent = ok ? what + " copied" : "Copy failed: select and copy by hand";
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); },
        function () { done(copyByHand(text)); });
    } else {
      done(copyByHand(text));
    }
  }
  tools.addEventListener("click", function (event) {
    var action = event.target.getAttribute("data-action");
    if (action === "expand") setAll(true);
    if (action === "collapse") setAll(false);
    if (action === "copy-json") copy(JSON.stringify(embedded("report-json"), null, 2), "JSON");
    if (action === "copy-md") copy(embedded("report-md"), "Markdown");
    if (action === "print") window.print();
  });
  // A link to a finding or a reference entry opens the sections around it.
  function reveal() {
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (target) target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  reveal();
  // The print stylesheet decides what paper shows; sections closed on screen are opened
  // for it (browsers without ::details-content) and closed again afterwards.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details"),
                                         function (d) { return !d.open; });
    setAll(true);
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
  });
})();
