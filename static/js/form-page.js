// The fillable form page: builds the form from its schema, checks it as the person types, shows the
// errors and warnings beside their fields, keeps a PDF preview up to date, downloads each format and
// imports a filled Excel sheet; drafts.js keeps what is typed. Everything comes from the catalogue
// entry and the schema.
'use strict';

import { h, debounce, requestJSON, postJSON, saveResponse, errorMessages } from './lib.js';
import { buildForm, nodeFor } from './schema-form.js';
import { startDrafts } from './drafts.js';

const page = document.querySelector('[data-form-page]');
if (page) start(page);

async function start(page) {
  const fieldsElement = page.querySelector('[data-fields]');
  const summary = page.querySelector('[data-summary]');
  const renderUrls = JSON.parse(page.dataset.renderUrls);
  const previewForm = page.querySelector('[data-preview-form]');
  const previewToggle = page.querySelector('[data-preview-toggle]');
  const previewStatus = page.querySelector('[data-preview-status]');
  const downloadStatus = page.querySelector('[data-download-status]');

  const { ok, body: schema } = await requestJSON(page.dataset.schemaUrl);
  if (!ok || !schema) {
    fieldsElement.replaceChildren(h('p', { class: 'notice notice--error' }, '表格加载失败，请刷新页面重试。'));
    return;
  }

  const state = {
    showAll: false,      // after 检查填写, a download or a sample: show every problem, not only touched fields
    sequence: 0,         // answers to older checks are ignored
    result: null,        // the latest {errors, warnings}
    previewed: null,     // the data the preview shows
  };

  let drafts = null;  // started once the page's handlers are in place (a kept draft is checked)
  const root = buildForm(schema, {
    onChange: () => {
      scheduleCheck();
      drafts?.changed();
    },
  });
  fieldsElement.replaceChildren(root.element);
  performance.mark('formsvc:form-ready');  // what the page benchmark times
  fieldsElement.addEventListener('focusout', () => scheduleCheck());

  const scheduleCheck = debounce(() => check(), 350);
  const schedulePreview = debounce(() => preview(), 600);

  async function check() {
    const data = root.get();
    const sequence = ++state.sequence;
    let response;
    try {
      response = await postJSON(page.dataset.validateUrl, data);
    } catch (error) {
      showSummary([{ loc: [], msg: '无法连接服务器，暂时无法校验' }], []);
      return null;
    }
    const body = await response.json().catch(() => null);
    if (sequence !== state.sequence) return null;
    const result = response.ok && body ? body : { errors: errorMessages(body, response.status), warnings: [] };
    state.result = result;
    showProblems(result);
    showExplanations(result);
    if (result.errors.length === 0) schedulePreview();
    else if (previewStatus) previewStatus.textContent = `还有 ${result.errors.length} 处需要改正，改正后更新预览。`;
    return result;
  }

  function showProblems({ errors, warnings }) {
    root.walk((node) => { node.messages = []; });
    const place = (problem, kind) => {
      const node = nodeFor(root, problem.loc || []);
      if (!state.showAll && !node.isTouched()) return false;
      node.messages.push({ kind, text: problem.msg });
      return true;
    };
    const shownErrors = errors.filter((problem) => place(problem, 'error'));
    warnings.forEach((problem) => place(problem, 'warning'));
    root.walk((node) => node.render());
    showSummary(errors, warnings, shownErrors.length);
  }

  // a form may explain its checks in the answer (e.g. which levels a crossover applicant may
  // apply for): every "…_summary" text is shown as it comes
  const explanations = h('div', { class: 'form-explanations', 'aria-live': 'polite' });
  summary.after(explanations);
  function showExplanations(result) {
    explanations.replaceChildren(...Object.entries(result)
      .filter(([key, value]) => key.endsWith('_summary') && typeof value === 'string' && value)
      .map(([key, value]) => h('p', { class: 'notice', dataset: { explains: key } }, value)));
  }

  function showSummary(errors, warnings, shownErrors = errors.length) {
    summary.className = 'form-summary';
    if (!errors.length && !warnings.length) {
      summary.replaceChildren(h('p', { class: 'notice notice--success' }, '填写完整，校验通过。'));
      return;
    }
    const parts = [];
    if (errors.length) parts.push(`${errors.length} 处需要改正`);
    if (warnings.length) parts.push(`${warnings.length} 条提示请核对`);
    const hidden = errors.length - shownErrors;
    const list = h('ul', { class: 'summary-list' }, [...errors.map((p) => [p, 'error']), ...warnings.map((p) => [p, 'warning'])]
      .filter(([problem]) => state.showAll || nodeFor(root, problem.loc || []).isTouched())
      .slice(0, 12)
      .map(([problem, kind]) => h('li', { class: kind === 'error' ? 'is-error' : 'is-warning' },
        h('a', {
          href: '#',
          onclick: (event) => {
            event.preventDefault();
            nodeFor(root, problem.loc || []).focus?.();
          },
        }, problem.msg))));
    summary.replaceChildren(h('div', { class: `notice ${errors.length ? 'notice--error' : 'notice--warning'}` },
      h('p', {}, `共 ${parts.join('，')}。`,
        hidden > 0 && !state.showAll ? `其中 ${hidden} 处在尚未填写的栏目中，点“检查填写”查看。` : ''),
      list.childElementCount ? list : null));
  }

  // --- preview -----------------------------------------------------------------------------------

  function preview() {
    if (!previewForm || !previewToggle.checked) return;
    const data = JSON.stringify(root.get());
    if (data === state.previewed) return;
    state.previewed = data;
    previewForm.elements.data.value = data;
    previewStatus.textContent = '正在生成预览……';
    previewForm.submit();
  }

  if (previewForm) {
    // browsers draw no focus ring on a frame whose document has the focus: the page draws one
    const frame = page.querySelector('[data-preview-frame]');
    const markFrameFocus = () => frame.classList.toggle('is-focused', document.activeElement === frame);
    window.addEventListener('blur', () => {
      markFrameFocus();
      setTimeout(markFrameFocus, 0);
    });
    window.addEventListener('focus', markFrameFocus);
    document.addEventListener('focusin', markFrameFocus);
    frame.addEventListener('load', (event) => {
      if (state.previewed === null) return;
      const time = new Date().toLocaleTimeString('zh-CN', { hour12: false });
      // a refused preview (422, 429, 403) is this site's error page in the frame, not a PDF
      const refusal = event.target.contentDocument?.querySelector('body.preview-error');
      if (refusal) {
        const reason = refusal.querySelector('li')?.textContent || '';
        previewStatus.textContent = `预览未生成（${time}）${reason ? `：${reason}` : ''}`;
        state.previewed = null;  // the same data may be previewed again once the reason is gone
        delete event.target.dataset.updated;
        return;
      }
      previewStatus.textContent = `预览已更新（${time}）`;
      event.target.dataset.updated = time;
    });
    previewToggle.addEventListener('change', () => {
      if (previewToggle.checked && state.result && !state.result.errors.length) preview();
    });
  }

  // --- buttons -----------------------------------------------------------------------------------

  page.querySelector('[data-action="sample"]').addEventListener('click', async () => {
    const { ok, body } = await requestJSON(page.dataset.sampleUrl);
    if (!ok) {
      showSummary(errorMessages(body), []);
      return;
    }
    root.set(body);
    drafts.saved();  // the sample is not the person's work: leaving it loses nothing
    state.showAll = true;
    await check();
  });

  page.querySelector('[data-action="check"]').addEventListener('click', async () => {
    state.showAll = true;
    const result = await check();
    if (result) focusFirstProblem(result);
  });

  page.querySelector('[data-action="clear"]').addEventListener('click', () => {
    root.set(undefined);
    drafts.cleared();
    root.walk((node) => { node.touched = false; });
    state.showAll = false;
    state.result = null;
    showProblems({ errors: [], warnings: [] });
    summary.replaceChildren();
    root.focus();
  });

  function focusFirstProblem(result) {
    if (result.errors.length) nodeFor(root, result.errors[0].loc || []).focus?.();
    else summary.focus();
  }

  for (const button of page.querySelectorAll('[data-download]')) {
    button.addEventListener('click', () => download(button));
  }

  async function download(button) {
    const format = button.dataset.download;
    const label = button.textContent;
    button.disabled = true;
    button.textContent = '正在生成……';
    downloadStatus.textContent = `正在生成 ${format.toUpperCase()} 文件……`;
    try {
      const response = await postJSON(renderUrls[format], root.get());
      if (response.ok) {
        const name = await saveResponse(response, `${page.dataset.formTitle}.${format}`);
        drafts.saved();
        downloadStatus.textContent = `已下载：${name}`;
      } else {
        const body = await response.json().catch(() => null);
        state.showAll = true;
        const errors = errorMessages(body, response.status);
        showProblems({ errors, warnings: (body && body.warnings) || [] });
        downloadStatus.textContent = `未能生成：${errors.length} 处需要改正（见左侧标红栏目）。`;
        focusFirstProblem({ errors });
      }
    } catch (error) {
      downloadStatus.textContent = '无法连接服务器，请稍后重试。';
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }

  // --- import of a filled sheet ------------------------------------------------------------------

  const importForm = page.querySelector('[data-import-form]');
  if (importForm) {
    const resultElement = page.querySelector('[data-import-result]');
    importForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const submit = importForm.querySelector('button[type="submit"]');
      submit.disabled = true;
      resultElement.replaceChildren(h('p', { class: 'muted' }, '正在读取表格……'));
      const { ok, status, body } = await requestJSON(page.dataset.importUrl, {
        method: 'POST', body: new FormData(importForm), headers: { Accept: 'application/json' },
      });
      submit.disabled = false;
      if (ok && body && Array.isArray(body.rows)) {
        // the sheet fills the form's list; what else the form asks (unit, date…) stays as typed
        const data = { ...root.get(), [page.dataset.rowsField]: body.rows };
        root.set(data);
        drafts.changed();
        state.showAll = true;
        const warnings = body.warnings || [];
        resultElement.replaceChildren(...[h('p', { class: 'notice notice--success' },
          `导入成功：共 ${body.rows.length} 行。请在上方核对，无误后下载。`),
        warnings.length ? importTable(warnings, 'warning') : null].filter(Boolean));
        await check();
        return;
      }
      const errors = errorMessages(body, status);
      resultElement.replaceChildren(...[
        h('p', { class: 'notice notice--error' },
          `表格未导入：发现 ${errors.length} 处问题，请在 Excel 中改正后重新上传。未导入任何数据。`),
        importTable(errors, 'error'),
        body && body.warnings && body.warnings.length ? importTable(body.warnings, 'warning') : null,
      ].filter(Boolean));
      resultElement.querySelector('table, .notice')?.scrollIntoView({ block: 'nearest' });
    });
  }

  // a draft kept by this tab (reload, Back) or opened from a file is checked like typed data
  drafts = startDrafts(page, root, {
    onLoaded: () => {
      state.showAll = false;
      check();
    },
  });
}

/** A form that sends a filled sheet to an endpoint that answers with a file, or with its errors. */
function startSheetTool(form) {
  const resultElement = form.parentElement.querySelector('[data-tool-result]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const submit = form.querySelector('button[type="submit"]');
    const data = new FormData(form);
    const format = data.get('format');
    data.delete('format');
    if (!data.get('photos') || !data.get('photos').size) data.delete('photos');
    submit.disabled = true;
    resultElement.replaceChildren(h('p', { class: 'muted' }, '正在读取表格并生成，人数多时需要一些时间……'));
    try {
      const response = await fetch(`${form.action}?format=${encodeURIComponent(format)}`, {
        method: 'POST', body: data, credentials: 'same-origin', headers: { Accept: 'application/json, */*' },
      });
      if (response.ok) {
        const name = await saveResponse(response, `下载.${format}`);
        resultElement.replaceChildren(h('p', { class: 'notice notice--success' }, `已生成并下载：${name}`));
        return;
      }
      const body = await response.json().catch(() => null);
      const errors = errorMessages(body, response.status);
      resultElement.replaceChildren(...[
        h('p', { class: 'notice notice--error' }, `未生成：发现 ${errors.length} 处问题，请改正后重新上传。`),
        importTable(errors, 'error'),
        body && body.warnings && body.warnings.length ? importTable(body.warnings, 'warning') : null,
      ].filter(Boolean));
    } catch (error) {
      resultElement.replaceChildren(h('p', { class: 'notice notice--error' }, '无法连接服务器，请稍后重试。'));
    } finally {
      submit.disabled = false;
    }
  });
}

for (const form of document.querySelectorAll('[data-sheet-tool]')) startSheetTool(form);

/** Where in the sheet a problem is: sheet row, column header, and the cell (B7) the answer names. */
export function sheetPlace(problem) {
  const loc = problem.loc || [];
  const rowIndex = loc.indexOf('rows');
  const row = rowIndex >= 0 && Number.isInteger(loc[rowIndex + 1]) ? loc[rowIndex + 1] : '';
  const column = rowIndex >= 0 && typeof loc[rowIndex + 2] === 'string' ? loc[rowIndex + 2]
    : (loc[0] === 'header' ? `表头 ${loc[1] ?? ''}` : '');
  const cell = problem.cell || '';
  return { row, column, cell };
}

/** The problems of an import as a table: row, column, cell, message; error cells marked. */
function importTable(problems, kind) {
  return h('div', { class: 'table-scroll' }, h('table', { class: `data import-${kind}s` },
    h('caption', {}, kind === 'error' ? '错误明细' : '提示（不影响导入，请核对）'),
    h('thead', {}, h('tr', {}, ['行', '列', '单元格', '问题'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, problems.map((problem) => {
      const { row, column, cell } = sheetPlace(problem);
      return h('tr', {},
        h('td', {}, row), h('td', {}, column),
        h('td', { class: kind === 'error' ? 'cell--error' : 'cell--warning', dataset: { cell } }, cell),
        h('td', {}, problem.msg));
    }))));
}
