// The progress bar of one metrics export: the page is rendered once by the server (static, no interactive mode), and
// this asks /metrics/exports/{id}/status twice a second until the export is done or failed, then shows the downloads.
(() => {
  "use strict";
  const root = document.querySelector("[data-export-status]");
  if (!root) return;
  const bar = root.querySelector("[data-bar]");
  const text = root.querySelector("[data-text]");
  const error = root.querySelector("[data-error]");
  const downloads = root.querySelector("[data-downloads]");
  const progress = root.querySelector("[role=progressbar]");
  const pollMs = 500;

  function show(status) {
    root.dataset.state = status.state;
    bar.style.width = `${status.progress}%`;
    progress.setAttribute("aria-valuenow", String(status.progress));
    text.textContent = status.text;
    if (status.done || status.failed) {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.classList.add(status.done ? "bg-success" : "bg-danger");
    }
    downloads.hidden = !status.done;
    error.hidden = !status.failed;
    if (status.failed) error.textContent = status.error || "导出失败，请重新导出。";
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.exportStatus, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const status = await response.json();
      show(status);
      if (status.done || status.failed) return;
    } catch (e) {
      // The app restarting, or the network: say so and keep asking; the export itself goes on in the background.
      text.textContent = "暂时无法获取进度，正在重试……";
      console.warn("OpsBoard: export status not read", e);
    }
    setTimeout(poll, pollMs);
  }

  if (root.dataset.state === "queued" || root.dataset.state === "running") setTimeout(poll, pollMs);
})();
