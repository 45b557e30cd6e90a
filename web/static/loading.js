/* What a page says while its data load and when they cannot be had: in Danish, in the
   page's #loading and #problem (aria-live), with a button to try again, never a blank map.
   One for the pages that fetch their data after they open (the list status, the land, the
   rehousing map). */
(function () {
  "use strict";
  window.vmLoading = function (what, retry, label) {
    const loading = document.getElementById("loading");
    const problem = document.getElementById("problem");
    return {
      loading,
      problem,
      start() {
        problem.hidden = true;
        loading.hidden = false;
        delete document.body.dataset.failed;
      },
      done() {
        loading.hidden = true;
      },
      failed(e) {
        loading.hidden = true;
        problem.textContent = `${what} kunne ikke hentes – prøv igen. `;
        const again = document.createElement("button");
        again.type = "button";
        again.textContent = "Prøv igen";
        again.addEventListener("click", retry);
        problem.append(again);
        problem.hidden = false;
        document.body.dataset.failed = String(e);
        console.warn(`${label}:`, String(e));
      },
    };
  };
})();
