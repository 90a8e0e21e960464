// The uploader of Special:Upload and of every page's drop area. Files go
// to api.php in chunks, exactly as the bots send them: action=upload with
// stash=1, filesize, offset and (after the first) filekey, then a commit
// with the filekey, the name and the text. Unfinished uploads are
// remembered (localStorage for the state, IndexedDB for the file) and
// continue after a reload from the offset the server reports
// (checkstatus). No framework, no build step.
(() => {
  'use strict';
  const root = document.getElementById('uploader');
  if (!root) return;

  const settings = {
    api: root.dataset.api,
    chunkSize: Number(root.dataset.chunkSize),
    maxSize: Number(root.dataset.maxSize),
    extensions: root.dataset.extensions.split(' ').filter(Boolean),
    fileRedirect: root.dataset.fileRedirect,
    articleBase: root.dataset.articleBase,
  };
  const messages = JSON.parse(root.dataset.messages);
  const queue = document.getElementById('uploader-queue');
  const input = document.getElementById('uploader-input');
  const startButton = document.getElementById('uploader-start');
  const live = document.getElementById('uploader-live');
  const overlay = document.getElementById('drop-overlay');
  const dropzone = document.getElementById('uploader-dropzone');
  const PARALLEL = 3;
  const RETRY_DELAYS = [1, 2, 4, 8, 15, 30, 30, 30];
  const STATE_KEY = 'wikiupload-unfinished-uploads';

  function msg(key, ...params) {
    let text = messages[key] || key;
    params.forEach((param, i) => { text = text.split('$' + (i + 1)).join(String(param)); });
    return text;
  }

  function size(bytes) {
    const units = [['unit-gib', 2 ** 30], ['unit-mib', 2 ** 20], ['unit-kib', 2 ** 10]];
    for (const [, unit] of units) {
      if (bytes >= unit) {
        const suffix = unit === 2 ** 30 ? 'GiB' : unit === 2 ** 20 ? 'MiB' : 'KiB';
        return (bytes / unit).toFixed(1).replace(/\.0$/, '') + ' ' + suffix;
      }
    }
    return bytes + ' B';
  }

  function duration(seconds) {
    if (!isFinite(seconds)) return '…';
    seconds = Math.max(0, Math.round(seconds));
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m > 0 ? `${m} min ${s} s` : `${s} s`;
  }

  function element(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function announce(text) { live.textContent = text; }

  // ---- api.php ----

  let csrfToken = null;

  async function token(refresh) {
    if (!csrfToken || refresh) {
      const response = await fetch(`${settings.api}?action=query&meta=tokens&format=json&formatversion=2`,
        { credentials: 'same-origin', cache: 'no-store' });
      const answer = await response.json();
      csrfToken = answer.query.tokens.csrftoken;
    }
    return csrfToken;
  }

  // One POST as multipart; `onProgress(sentBytes)` follows the body.
  // Rejects with {network: true} when the server could not be reached or
  // answered with a server error, which are worth retrying.
  function post(fields, upload, onProgress) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) {
        if (value instanceof Blob) form.append(name, value, fields.filename || 'chunk');
        else form.append(name, String(value));
      }
      const xhr = new XMLHttpRequest();
      upload.xhr = xhr;
      xhr.open('POST', settings.api);
      xhr.responseType = 'json';
      if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () => {
        upload.xhr = null;
        if (xhr.status >= 500 || !xhr.response) reject({ network: true });
        else resolve(xhr.response);
      };
      xhr.onerror = () => { upload.xhr = null; reject({ network: true }); };
      xhr.onabort = () => { upload.xhr = null; reject({ aborted: true }); };
      xhr.send(form);
    });
  }

  // A POST with the CSRF token; a stale token is fetched again once.
  async function apiPost(fields, upload, onProgress) {
    let answer = await post({ ...fields, format: 'json', formatversion: 2, token: await token(false) },
      upload, onProgress);
    if (answer.error && answer.error.code === 'badtoken') {
      answer = await post({ ...fields, format: 'json', formatversion: 2, token: await token(true) },
        upload, onProgress);
    }
    return answer;
  }

  // ---- what survives a reload ----

  function savedStates() {
    try { return JSON.parse(localStorage.getItem(STATE_KEY)) || {}; } catch { return {}; }
  }

  function saveState(upload) {
    const states = savedStates();
    states[upload.id] = {
      name: upload.file.name, size: upload.file.size, lastModified: upload.file.lastModified,
      filekey: upload.filekey, target: upload.target.value, description: upload.description.value,
      categories: upload.categories.value,
    };
    localStorage.setItem(STATE_KEY, JSON.stringify(states));
  }

  function forgetState(id) {
    const states = savedStates();
    delete states[id];
    localStorage.setItem(STATE_KEY, JSON.stringify(states));
    withStore('readwrite', (store) => store.delete(id)).catch(() => {});
  }

  function withStore(mode, action) {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open('wikiupload-uploader', 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore('files');
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const db = opening.result;
        const request = action(db.transaction('files', mode).objectStore('files'));
        request.onsuccess = () => { resolve(request.result); db.close(); };
        request.onerror = () => { reject(request.error); db.close(); };
      };
    });
  }

  // ---- one file ----

  const running = new Set();
  const waiting = [];

  function schedule() {
    while (running.size < PARALLEL && waiting.length > 0) {
      const upload = waiting.shift();
      running.add(upload);
      upload.run().finally(() => { running.delete(upload); schedule(); });
    }
  }

  class Upload {
    constructor(file, saved, id) {
      this.id = id || `${Date.now()}-${Math.random().toString(36).slice(2)}`;
      this.file = file;
      this.filekey = saved ? saved.filekey : null;
      this.offset = 0;
      this.paused = false;
      this.state = 'ready';
      this.xhr = null;
      this.render(saved);
    }

    render(saved) {
      const name = saved ? saved.name : this.file.name;
      const id = (field) => `upload-${this.id}-${field}`;
      this.preview = element('img', { class: 'upload-preview', alt: '' });
      if (this.file && this.file.type.startsWith('image/') && this.file.type !== 'image/svg+xml') {
        this.preview.src = URL.createObjectURL(this.file);
      }
      this.target = element('input', { id: id('target'), value: saved ? saved.target : name.replace(/_/g, ' ') });
      this.description = element('textarea', { id: id('description'), rows: '2' });
      this.description.value = saved ? saved.description : '';
      this.categories = element('input', { id: id('categories'), value: saved ? saved.categories : '' });
      const fields = element('div', { class: 'upload-fields' }, [
        element('label', { for: id('target'), text: msg('upload-target') }), this.target,
        element('label', { for: id('description'), text: msg('upload-description') }), this.description,
        element('label', { for: id('categories'), text: msg('upload-categories') }), this.categories,
      ]);
      this.progress = element('progress', {
        max: String(saved ? saved.size : this.file.size), value: '0',
        'aria-label': msg('upload-progress-label', name),
      });
      this.status = element('span', { class: 'upload-status', text: msg('upload-status-ready') });
      this.message = element('div', { class: 'upload-message' });
      this.buttons = element('div', { class: 'upload-buttons' });
      this.row = element('li', { class: 'upload-row', 'data-name': name }, [
        this.preview, fields,
        element('div', { class: 'upload-progress' }, [this.progress, this.status]),
        this.message, this.buttons,
      ]);
      queue.append(this.row);
      this.showButtons();
    }

    button(key, action, primary) {
      const button = element('button', { type: 'button', text: msg(key) });
      if (primary) button.className = 'primary';
      button.addEventListener('click', action);
      this.buttons.append(button);
      return button;
    }

    showButtons() {
      this.buttons.replaceChildren();
      if (this.state === 'uploading' || this.state === 'queued' || this.state === 'retrying') {
        this.button('upload-pause', () => this.pause());
      } else if (this.state === 'paused' || this.state === 'failed') {
        this.button(this.state === 'paused' ? 'upload-resume' : 'upload-retry', () => this.resume(), true);
      }
      if (this.state !== 'done' && this.state !== 'publishing') {
        this.button(this.state === 'warning' ? 'upload-cancel' : 'upload-remove', () => this.remove());
      }
    }

    setState(state, text) {
      this.state = state;
      this.row.dataset.state = state;
      if (text !== undefined) this.status.textContent = text;
      this.showButtons();
    }

    queue() {
      if (this.state === 'done' || waiting.includes(this) || running.has(this)) return;
      this.paused = false;
      this.setState('queued', msg('upload-status-queued'));
      waiting.push(this);
      schedule();
    }

    pause() {
      this.paused = true;
      const at = waiting.indexOf(this);
      if (at >= 0) waiting.splice(at, 1);
      if (this.xhr) this.xhr.abort();
      clearTimeout(this.retryTimer);
      if (this.wakeRetry) this.wakeRetry();
      this.setState('paused', msg('upload-status-paused', size(this.offset), size(this.file.size)));
    }

    resume() { this.message.replaceChildren(); this.queue(); }

    remove() {
      this.paused = true;
      if (this.xhr) this.xhr.abort();
      forgetState(this.id);
      this.row.remove();
      uploads.delete(this);
      updateStartButton();
    }

    showProgress(sent) {
      const now = performance.now();
      const elapsed = (now - this.lastTime) / 1000;
      if (elapsed >= 0.25) {
        const rate = (sent - this.lastSent) / elapsed;
        this.speed = this.speed ? 0.7 * this.speed + 0.3 * rate : rate;
        this.lastTime = now;
        this.lastSent = sent;
      }
      this.progress.value = sent;
      const left = (this.file.size - sent) / (this.speed || 1);
      this.status.textContent = msg('upload-status-uploading', size(sent), size(this.file.size),
        size(Math.round(this.speed || 0)), this.speed ? duration(left) : '…');
    }

    // The offset the server has, for an upload begun before (null: the
    // server no longer knows it).
    async serverOffset() {
      const answer = await apiPost({ action: 'upload', checkstatus: 1, filekey: this.filekey }, this);
      if (answer.upload && answer.upload.result === 'Continue') return answer.upload.offset;
      if (answer.upload && answer.upload.result === 'Success') return this.file.size;
      return null;
    }

    async run() {
      if (this.paused) return;
      this.setState('uploading');
      this.lastTime = performance.now();
      this.lastSent = this.offset;
      let attempt = 0;
      while (!this.paused) {
        try {
          if (this.filekey && this.needsOffset) {
            const offset = await this.serverOffset();
            this.needsOffset = false;
            if (offset === null) {
              this.filekey = null;
              this.offset = 0;
              this.message.textContent = msg('upload-error-stash-gone');
            } else {
              this.offset = offset;
              this.status.textContent = msg('upload-status-resumed', size(offset));
            }
            this.lastSent = this.offset;
          }
          if (this.offset >= this.file.size && this.filekey) break;
          await this.sendChunk();
          attempt = 0;
        } catch (failure) {
          if (failure.aborted || this.paused) return;
          if (!failure.network || attempt >= RETRY_DELAYS.length) {
            this.fail(failure.network ? msg('upload-error-network') : failure.text || String(failure));
            return;
          }
          const delay = RETRY_DELAYS[attempt++];
          this.setState('retrying', msg('upload-status-retrying', delay, attempt));
          await new Promise((wake) => {
            this.wakeRetry = wake;
            this.retryTimer = setTimeout(wake, delay * 1000);
          });
          this.wakeRetry = null;
          this.needsOffset = true;
          if (this.paused) return;
          this.setState('uploading');
        }
      }
      if (!this.paused) await this.commit(false);
    }

    async sendChunk() {
      const end = Math.min(this.offset + settings.chunkSize, this.file.size);
      // Warnings stop a chunked upload at its first chunk unless ignored;
      // as UploadWizard does, they are asked for at the commit instead.
      const fields = {
        action: 'upload', stash: 1, ignorewarnings: 1, filename: this.target.value,
        filesize: this.file.size, offset: this.offset,
      };
      if (this.filekey) fields.filekey = this.filekey;
      fields.chunk = this.file.slice(this.offset, end);
      const base = this.offset;
      const answer = await apiPost(fields, this, (sent) => this.showProgress(base + Math.min(sent, end - base)));
      if (answer.error) {
        // Someone else's view of the offset: ask the server where it is.
        if (this.filekey && answer.error.code === 'stashfailed' && this.refusedAt !== this.offset) {
          this.refusedAt = this.offset;
          this.needsOffset = true;
          return;
        }
        throw { text: errorText(answer.error) };
      }
      const result = answer.upload;
      this.filekey = result.filekey || this.filekey;
      this.offset = result.result === 'Continue' ? result.offset : this.file.size;
      this.showProgress(this.offset);
      saveState(this);
    }

    async commit(ignoreWarnings) {
      this.setState('publishing', msg('upload-status-publishing'));
      this.message.replaceChildren();
      const categories = this.categories.value.split(',').map((c) => c.trim()).filter(Boolean);
      const description = this.description.value.trim();
      const text = [description, ...categories.map((c) => `[[Category:${c}]]`)].filter(Boolean).join('\n');
      const fields = {
        action: 'upload', filekey: this.filekey, filename: this.target.value,
        comment: description.split('\n')[0].slice(0, 200), text,
      };
      if (ignoreWarnings) fields.ignorewarnings = 1;
      let answer;
      try {
        answer = await apiPost(fields, this);
      } catch (failure) {
        this.fail(msg('upload-error-network'));
        return;
      }
      if (answer.error) {
        this.fail(errorText(answer.error));
        return;
      }
      const result = answer.upload;
      if (result.result === 'Warning') {
        this.filekey = result.filekey || this.filekey;
        saveState(this);
        this.showWarnings(result.warnings);
        return;
      }
      this.done(result.filename);
    }

    done(filename) {
      forgetState(this.id);
      this.progress.value = this.file.size;
      this.setState('done', msg('upload-status-done') + ' ');
      this.row.classList.add('done');
      const title = 'File:' + filename;
      const link = element('a', { href: settings.articleBase + encodeURIComponent(title.replace(/ /g, '_')), text: title.replace(/_/g, ' ') });
      this.status.append(link);
      announce(`${msg('upload-status-done')} ${filename}`);
      this.target.disabled = this.description.disabled = this.categories.disabled = true;
    }

    fail(text) {
      this.setState('failed', '');
      this.message.replaceChildren(element('p', { class: 'notice error', role: 'alert', text: msg('upload-error', text) }));
    }

    showWarnings(warnings) {
      this.setState('warning', '');
      const notice = element('div', { class: 'notice', role: 'alert' });
      const fileLink = (name) => {
        const title = 'File:' + name;
        return element('a', { href: settings.articleBase + encodeURIComponent(title.replace(/ /g, '_')), text: name.replace(/_/g, ' ') });
      };
      for (const [code, value] of Object.entries(warnings)) {
        const key = messages['upload-warn-' + code] ? 'upload-warn-' + code : 'upload-warn-other';
        const line = element('p', { text: msg(key) + ' ' });
        if (code === 'exists' || code === 'exists-normalized') {
          line.append(fileLink(value));
          notice.append(line, element('img', { src: settings.fileRedirect + encodeURIComponent(value) + '&width=120', alt: value }));
        } else if (code === 'duplicate') {
          [].concat(value).forEach((name, i) => { if (i) line.append(', '); line.append(fileLink(name)); });
          notice.append(line);
        } else if (code === 'badfilename' || code === 'duplicate-archive' || code === 'was-deleted') {
          line.append(String(value).replace(/_/g, ' '));
          notice.append(line);
        } else {
          if (key === 'upload-warn-other') line.append(`${code}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
          notice.append(line);
        }
      }
      notice.append(element('p', { text: msg('upload-warn-choose') }));
      this.message.replaceChildren(notice);
      this.buttons.replaceChildren();
      this.button('upload-anyway', () => this.commit(true), true);
      const initial = this.target.value;
      const rename = this.button('upload-rename', () => this.commit(false));
      rename.disabled = true;
      this.target.addEventListener('input', () => { rename.disabled = this.target.value === initial; });
      this.button('upload-cancel', () => this.remove());
      this.target.focus();
    }
  }

  function errorText(error) {
    const key = 'upload-error-' + error.code;
    if (error.code === 'filetype-banned') return msg(key, settings.extensions.join(', '));
    if (error.code === 'file-too-large') return msg(key, size(settings.maxSize));
    if (error.code === 'verification-error') return msg(key, error.info);
    return messages[key] ? msg(key) : error.info || error.code;
  }

  // ---- the page ----

  const uploads = new Set();

  function updateStartButton() {
    startButton.disabled = ![...uploads].some((u) => u.state === 'ready');
  }

  function add(files) {
    root.hidden = false;
    for (const file of files) {
      const upload = new Upload(file);
      uploads.add(upload);
      if (file.size > settings.maxSize) upload.fail(msg('upload-error-file-too-large', size(settings.maxSize)));
      // The file itself, so a reload can go on without picking it again.
      withStore('readwrite', (store) => store.put(file, upload.id)).catch(() => {});
    }
    updateStartButton();
    root.scrollIntoView({ block: 'start' });
  }

  input.addEventListener('change', () => { add(input.files); input.value = ''; });
  startButton.addEventListener('click', () => {
    for (const upload of uploads) if (upload.state === 'ready') upload.queue();
    updateStartButton();
  });

  // Dropping files anywhere on the page opens the uploader with them.
  let dragDepth = 0;
  const carriesFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes('Files');
  document.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    dragDepth++;
    overlay.hidden = false;
    dropzone.classList.add('active');
  });
  document.addEventListener('dragleave', () => {
    if (--dragDepth <= 0) { dragDepth = 0; overlay.hidden = true; dropzone.classList.remove('active'); }
  });
  document.addEventListener('dragover', (event) => { if (carriesFiles(event)) event.preventDefault(); });
  document.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    overlay.hidden = true;
    dropzone.classList.remove('active');
    add(event.dataTransfer.files);
  });

  // A connection that comes back wakes uploads waiting to retry.
  window.addEventListener('online', () => {
    for (const upload of uploads) if (upload.wakeRetry) upload.wakeRetry();
  });

  // Uploads a reload interrupted continue; without their file (another
  // browser profile, storage cleared) they ask for it again.
  async function restore() {
    for (const [id, saved] of Object.entries(savedStates())) {
      if (!saved.filekey) { forgetState(id); continue; }
      let file = null;
      try { file = await withStore('readonly', (store) => store.get(id)); } catch { file = null; }
      root.hidden = false;
      if (file) {
        const upload = new Upload(file, saved, id);
        uploads.add(upload);
        upload.needsOffset = true;
        upload.queue();
      } else {
        askForFile(id, saved);
      }
    }
    updateStartButton();
  }

  function askForFile(id, saved) {
    const picker = element('input', { type: 'file', 'aria-label': saved.name });
    const row = element('li', { class: 'upload-row', 'data-name': saved.name }, [
      element('p', { class: 'upload-message', text: msg('upload-status-resume-pick', '?', size(saved.size)) }),
      picker,
    ]);
    queue.append(row);
    picker.addEventListener('change', () => {
      const file = picker.files[0];
      if (!file || file.name !== saved.name || file.size !== saved.size) return;
      row.remove();
      withStore('readwrite', (store) => store.put(file, id)).catch(() => {});
      const upload = new Upload(file, saved, id);
      uploads.add(upload);
      upload.needsOffset = true;
      upload.queue();
    });
  }

  restore();
})();
