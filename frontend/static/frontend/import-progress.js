// Shows an import's progress while it is checked, from the job's progress address; when the
// check has finished the page is loaded again to show what happened.
const box = document.querySelector("[data-import-progress]");

async function poll() {
  const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const job = await response.json();
  if (job.status !== "checking") {
    window.location.reload();
    return;
  }
  const bar = box.querySelector("progress");
  bar.max = Math.max(job.rows_total, 1);
  bar.value = job.rows_checked;
  bar.textContent = `${job.rows_checked} of ${job.rows_total}`;
  box.querySelector("[data-import-progress-text]").textContent =
    `Checking: ${job.rows_checked} of ${job.rows_total} rows checked.`;
  window.setTimeout(poll, 1000);
}

if (box) window.setTimeout(poll, 1000);
