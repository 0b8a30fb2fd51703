(function () {
  "use strict";
  var tools = document.querySelector(".tools");
  tools.hidden = false;
  function setAll(open) {
    document.querySelectorAll("details").forEach(function (d) { d.open = open; });
  }
  function copy(text, what) {
    var out = document.getElementById("copied");
    function done(ok) { out.textContent = ok ? what + " copied" : "Copy failed: select and copy by hand"; }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else { done(false); }
  }
  tools.addEventListener("click", function (event) {
    var action = event.target.getAttribute("data-action");
    if (action === "expand") setAll(true);
    if (action === "collapse") setAll(false);
    if (action === "copy-json") copy(JSON.stringify(JSON.parse(document.getElementById("report-json").textContent), null, 2), "JSON");
    if (action === "copy-md") copy(JSON.parse(document.getElementById("report-md").textContent), "Markdown");
    if (action === "print") window.print();
  });
  window.addEventListener("beforeprint", function () { setAll(true); });
})();
