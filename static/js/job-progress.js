// The progress of a bulk job: polls the office's status URL and moves the bar until the job ends.
'use strict';

import { requestJSON } from './lib.js';

const FINISHED = new Set(['done', 'failed', 'rejected']);
const POLL_MS = 1000;

const box = document.querySelector('[data-job]');
if (box && !FINISHED.has(box.dataset.state)) follow(box);

async function follow(box) {
  const bar = box.querySelector('progress');
  const text = box.querySelector('[data-job-text]');
  const downloads = box.querySelector('[data-job-downloads]');
  let failures = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const { ok, body } = await requestJSON(box.dataset.statusUrl, { headers: { Accept: 'application/json' } });
    if (!ok || !body) {
      failures += 1;
      text.textContent = failures > 5 ? '暂时无法获取进度，请稍后刷新页面。' : text.textContent;
      if (failures > 30) return;
      continue;
    }
    failures = 0;
    bar.max = Math.max(body.total, 1);
    bar.value = body.done;
    bar.textContent = `${Math.round(body.progress * 100)}%`;
    text.textContent = body.summary;
    box.dataset.state = body.state;
    if (body.links) {
      box.querySelector('[data-job-pdf]').href = body.links.print_pdf;
      box.querySelector('[data-job-zip]').href = body.links.zip;
      downloads.hidden = false;
    }
    if (FINISHED.has(body.state)) {
      box.classList.add(`job--${body.state}`);
      return;
    }
  }
}
