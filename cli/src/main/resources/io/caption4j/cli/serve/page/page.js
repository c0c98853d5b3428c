// caption4j's web page: plain JavaScript, no library, no build step. It only calls the public API
// (POST /v1/captions with attention=true), and shows each call as the equivalent curl command.
'use strict';

(() => {
  const MAX_BATCH = 16;     // the server's default limit of images per request (CaptionServer.Limits.maxBatch)
  const RETRIES = 5;        // tries of a request answered 503 (busy), waiting Retry-After seconds between them
  const PLAY_MS = 750;      // how long "play" shows each word
  const DIM = 0.85;         // darkness where the model did not look, as the command line's attention figure

  const $ = (selector, root = document) => root.querySelector(selector);
  const state = { cards: [], all: [], running: 0 };   // the last upload's cards, and every card
  const panels = new Set();

  /** An element with attributes and children (strings become text). */
  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  // ---- decoding settings --------------------------------------------------------------------------------

  function setupSettings() {
    const template = $('#setting-template');
    for (const fieldset of [$('#setting-0'), $('#setting-1')]) {
      fieldset.append(template.content.cloneNode(true));
      $('select', fieldset).addEventListener('change', () => showFields(fieldset));
    }
    $('select', $('#setting-1')).value = 'greedy';   // B starts as greedy, so a comparison shows a difference
    showFields($('#setting-0'));
    showFields($('#setting-1'));
    $('#compare').addEventListener('change', (e) => {
      $('#setting-1').hidden = !e.target.checked;
      $('legend', $('#setting-0')).textContent = e.target.checked ? 'Setting A' : 'Decoding';
    });
  }

  function showFields(fieldset) {
    const strategy = $('select', fieldset).value;
    for (const f of fieldset.querySelectorAll('[data-for]')) f.hidden = f.dataset.for !== strategy;
  }

  /** The query parameters of a settings fieldset. */
  function readSetting(fieldset, label) {
    const value = (name) => $(`[name=${name}]`, fieldset).value.trim();
    const p = new URLSearchParams();
    const strategy = value('strategy');
    if (strategy) p.set('strategy', strategy);
    if (strategy === 'beam') p.set('beam', value('beam') || '3');
    if (strategy === 'sample') {
      p.set('temperature', value('temperature') || '1');
      p.set('top_k', value('top_k') || '0');
      if (value('seed')) p.set('seed', value('seed'));
    }
    if (value('max_length')) p.set('max_length', value('max_length'));
    p.set('attention', 'true');
    return { label, params: p };
  }

  function currentSettings() {
    if (!$('#compare').checked) return [readSetting($('#setting-0'), '')];
    return [readSetting($('#setting-0'), 'A'), readSetting($('#setting-1'), 'B')];
  }

  function describeOptions(o) {
    if (!o) return '';
    const words = `at most ${o.max_length} words`;
    if (o.strategy === 'greedy') return `greedy, ${words}`;
    if (o.strategy === 'beam') return `beam search (k = ${o.beam}), ${words}`;
    const k = o.top_k ? `top-${o.top_k}` : 'all words';
    return `sampling (temperature ${o.temperature}, ${k}, seed ${o.seed}), ${words}`;
  }

  // ---- talking to the server -----------------------------------------------------------------------------

  const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

  function curlFor(params, files) {
    const parts = ['curl'];
    for (const f of files) parts.push('-F', quote(`image=@${f.name}`));
    parts.push(quote(`${location.origin}/v1/captions?${params}`));
    return parts.join(' ');
  }

  /** POSTs the files; retries a 503 after Retry-After. Resolves to {status, body, roundTrip} (status 0: no answer). */
  async function post(params, files, onWait) {
    const form = new FormData();
    for (const f of files) form.append('image', f, f.name);
    const url = `/v1/captions?${params}`;
    for (let attempt = 1; ; attempt++) {
      const t0 = performance.now();
      let response;
      try {
        response = await fetch(url, { method: 'POST', body: form });
      } catch (e) {
        return { status: 0, body: { error: String((e && e.message) || e) }, roundTrip: 0 };
      }
      let body;
      try {
        body = await response.json();
      } catch (e) {
        body = { error: `HTTP ${response.status}, and its body is not JSON` };
      }
      const roundTrip = performance.now() - t0;
      if (response.status === 503 && attempt < RETRIES) {
        const seconds = Math.min(30, Math.max(1, parseFloat(response.headers.get('Retry-After')) || 1));
        await onWait(seconds, attempt);
        continue;
      }
      return { status: response.status, body, roundTrip, attempts: attempt };
    }
  }

  /** Why a request failed, as a person wants to read it: [headline, detail]. */
  function explain(status, message, file) {
    const name = `“${file}”`;
    message = message || '';
    if (status === 413) {
      return [`${name} is too large for this server.`,
        `Send a smaller photo, or start the server with a larger --max-upload-mb. (${message})`];
    }
    if (status === 400 && /not an image|empty|truncated|corrupt|cannot read|header/i.test(message)) {
      return [`${name} is not an image the server can read.`, `It reads JPEG, PNG, BMP and GIF files. (${message})`];
    }
    if (status === 400) return ['The server did not accept these settings.', message];
    if (status === 503) {
      return ['The server is busy.', `Every worker is captioning and the queue is full; tried ${RETRIES} times. `
        + 'Wait a moment and try again, or start the server with more --workers or a longer --queue.'];
    }
    if (status === 0) return ['Cannot reach the server.', `Is “caption4j serve” still running? (${message})`];
    return [`The server failed (HTTP ${status}).`, message];
  }

  // ---- captioning ---------------------------------------------------------------------------------------

  async function captionAll(files, cards) {
    const settings = currentSettings();
    state.running++;
    updateButtons();
    try {
      for (const card of cards) card.reset(settings);
      for (let s = 0; s < settings.length; s++) {
        for (let i = 0; i < files.length; i += MAX_BATCH) {
          const chunk = cards.slice(i, i + MAX_BATCH);
          await captionChunk(chunk.map((c) => c.file), chunk.map((c) => c.panels[s]), settings[s]);
        }
      }
    } finally {
      state.running--;
      updateButtons();
    }
    const failed = cards.filter((c) => c.panels.some((p) => p.failed)).length;
    $('#announce').textContent = `Captioned ${cards.length - failed} of ${cards.length} photo${cards.length > 1 ? 's' : ''}`
      + (failed ? `; ${failed} failed.` : '.');
  }

  async function captionChunk(files, targets, setting) {
    const params = new URLSearchParams(setting.params);
    if (files.length > 1) params.set('batch', 'true');
    targets.forEach((p) => p.busy('Captioning…'));
    const curl = curlFor(params, files);
    const res = await post(params, files, (seconds, attempt) => wait(targets, seconds, attempt));
    if (res.status === 200 && Array.isArray(res.body.results)) {
      res.body.results.forEach((r, k) => targets[k].show(r, res, curl, files.length));
    } else if (res.status === 200) {
      targets[0].show({ file: files[0].name, status: 200, ...res.body }, res, curl, 1);
    } else if (res.status === 413 && files.length > 1) {
      // the photos together are over the upload limit: one request each, so that only the large ones fail
      for (let k = 0; k < files.length; k++) await captionChunk([files[k]], [targets[k]], setting);
    } else {
      targets.forEach((p, k) => p.fail(res.status, res.body.error, files[k].name, curl,
        () => captionChunk([files[k]], [p], setting)));
    }
  }

  async function wait(targets, seconds, attempt) {
    for (let left = Math.ceil(seconds); left > 0; left--) {
      targets.forEach((p) => p.busy(`The server is busy; trying again in ${left} s (try ${attempt + 1} of ${RETRIES})…`));
      await new Promise((resolve) => setTimeout(resolve, 1000 * Math.min(1, seconds)));
    }
  }

  // ---- cards and panels ---------------------------------------------------------------------------------

  function makeCard(file) {
    const url = URL.createObjectURL(file);
    const box = el('div', { class: 'panels' });
    const card = {
      file, url, panels: [],
      el: el('article', { class: 'card', 'aria-label': file.name }, el('h3', { text: file.name }), box),
      reset(settings) {
        for (const p of this.panels) p.dispose();
        box.replaceChildren();
        this.panels = settings.map((s) => new Panel(this, s.label));
        this.panels.forEach((p) => box.append(p.root));
        this.el.classList.toggle('wide', settings.length > 1 || state.cards.length === 1);
      },
      dispose() {
        for (const p of this.panels) p.dispose();
        URL.revokeObjectURL(url);
        this.el.remove();
      },
    };
    return card;
  }

  /** Where the map of one word is highest, in words: "the top left", "the centre", ... */
  function whereLooked(alphas, h, w) {
    let best = 0;
    for (let i = 1; i < alphas.length; i++) if (alphas[i] > alphas[best]) best = i;
    const y = Math.floor(best / w), x = best % w;
    const row = ['top', 'middle', 'bottom'][Math.min(2, Math.floor((3 * y) / h))];
    const col = ['left', 'centre', 'right'][Math.min(2, Math.floor((3 * x) / w))];
    return row === 'middle' && col === 'centre' ? 'the centre' : `the ${row} ${col}`;
  }

  /** A canvas of the grid's size whose transparency is the word's map: clear where it looked, dark elsewhere. */
  function maskOf(alphas, h, w) {
    const c = el('canvas', { width: w, height: h });
    const g = c.getContext('2d');
    const img = g.createImageData(w, h);
    let max = 1e-12;
    for (const a of alphas) max = Math.max(max, a);
    for (let i = 0; i < h * w; i++) img.data[4 * i + 3] = Math.round(255 * DIM * (1 - alphas[i] / max));
    g.putImageData(img, 0, 0);
    return c;
  }

  /** Draws the mask over the whole canvas, upsampled smoothly (bilinear), as the paper's figure. */
  function drawMask(canvas, mask, photo) {
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.imageSmoothingEnabled = true;
    g.imageSmoothingQuality = 'high';
    if (photo) g.drawImage(photo, 0, 0, canvas.width, canvas.height);
    if (mask) g.drawImage(mask, 0, 0, canvas.width, canvas.height);
  }

  class Panel {
    constructor(card, label) {
      this.card = card;
      this.label = label;
      this.current = -1;
      this.pinned = -1;
      this.timer = null;
      this.failed = false;
      this.root = el('section', { class: 'panel', 'data-state': 'waiting' });
      panels.add(this);
    }

    heading(text) {
      return el('h4', { text: (this.label ? `${this.label}: ` : '') + text });
    }

    busy(message) {
      this.stopPlay();
      this.root.dataset.state = 'busy';
      this.root.setAttribute('aria-busy', 'true');
      this.root.replaceChildren(this.heading(''), el('p', { class: 'status', role: 'status', text: message }));
    }

    fail(status, message, file, curl, retry) {
      this.failed = true;
      const [headline, detail] = explain(status, message, file);
      this.root.dataset.state = 'error';
      this.root.removeAttribute('aria-busy');
      const box = el('div', { class: 'error', role: 'alert', 'data-status': status },
        el('strong', { text: headline }), el('span', { class: 'detail', text: detail }));
      if (retry && status !== 400 && status !== 413) {
        box.append(el('div', {}, el('button', { type: 'button', class: 'quiet', onclick: retry, text: 'Try again' })));
      }
      this.root.replaceChildren(this.heading(''), box, this.apiCall(curl, { error: message, status }));
    }

    /** Shows one result: {file, status, caption, tokens, logprob, ms, attention} or {file, status, error}. */
    show(result, res, curl, batchSize) {
      if (result.status !== 200) {
        this.fail(result.status, result.error, result.file, curl);
        return;
      }
      this.failed = false;
      const body = res.body;
      const tokens = result.tokens;
      const att = result.attention;
      this.tokens = tokens;
      this.masks = tokens.map((_, i) => maskOf(att.alphas[i], att.height, att.width));

      this.img = el('img', { src: this.card.url, alt: `The photo, “${result.file}”` });
      this.overlay = el('canvas', { class: 'overlay', 'data-word': '-1', 'aria-hidden': 'true' });
      this.figure = el('figure', { class: 'photo' }, this.img, this.overlay);

      this.words = tokens.map((t, i) => el('button', {
        type: 'button', class: 'word', 'data-index': i, 'aria-pressed': 'false',
        'aria-label': `${t}: word ${i + 1} of ${tokens.length}; the model looked most at `
          + whereLooked(att.alphas[i], att.height, att.width),
        text: t,
        onmouseenter: () => { this.stopPlay(); this.showWord(i); },
        onmouseleave: () => this.showWord(this.pinned),
        onfocus: () => { this.stopPlay(); this.showWord(i); },
        onblur: () => { if (!this.timer) this.showWord(this.pinned); },
        onclick: () => this.pin(this.pinned === i ? -1 : i),
        onkeydown: (e) => this.keys(e, i),
      }));
      const caption = el('p', { class: 'caption', 'data-caption': result.caption, lang: 'en' }, ...this.words);

      this.playButton = el('button', { type: 'button', class: 'quiet play', 'aria-pressed': 'false',
        text: '▶ Play the words', onclick: () => this.togglePlay() });
      const toolbar = el('div', { class: 'toolbar' }, this.playButton,
        el('span', { class: 'hint', text: 'Hover, tap or focus a word to see where the model looked.' }));

      const t = body.timings_ms || {};
      const perWord = result.logprob / (tokens.length + 1);
      const batchNote = batchSize > 1 ? ` for the batch of ${batchSize}` : '';
      const meta = el('p', { class: 'meta' },
        el('span', { title: 'natural log-probability of the words and <end>', text:
          `log P ${result.logprob.toFixed(2)} (${perWord.toFixed(2)} a word)` }), ' · ',
        el('span', { title: 'decoding the file into pixels, on the server', text: `read ${fmt(t.read)}` }), ' · ',
        el('span', { title: 'waiting for a free worker', text: `queue ${fmt(t.queue)}` }), ' · ',
        el('span', { title: 'the model: the image encoder and the word search', text: `model ${fmt(t.caption)}${batchNote}` }),
        t.encode === undefined ? '' : ` (encode ${fmt(t.encode)}, words ${fmt(t.words)})`,
        ' · ', el('span', { title: 'from sending the request to its answer, seen by this page',
          text: `round trip ${fmt(res.roundTrip)}` }));

      this.tiles = tokens.map((tok, i) => el('figure', { class: 'tile', onclick: () => this.pin(i) },
        el('canvas', { 'aria-hidden': 'true' }), el('figcaption', { text: tok })));
      const grid = el('details', { class: 'grid', open: true },
        el('summary', { text: 'Every word’s attention' }), el('div', { class: 'tiles' }, ...this.tiles));

      const shown = Array.isArray(body.results)
        ? { results: [result], options: body.options, timings_ms: body.timings_ms, note: 'this photo’s entry of the batch' }
        : body;
      this.root.dataset.state = 'done';
      this.root.removeAttribute('aria-busy');
      this.root.replaceChildren(this.heading(describeOptions(body.options)), el('div', { class: 'panel-body' },
        this.figure, el('div', { class: 'side' }, caption, toolbar, meta, grid, this.apiCall(curl, shown))));
      this.img.addEventListener('load', () => {
        this.drawTiles();
        if (this.current >= 0) this.showWord(this.current);
      });
      this.img.addEventListener('error', () => { this.figure.hidden = true; });
    }

    apiCall(curl, json) {
      return el('details', { class: 'api-call' }, el('summary', { text: 'API call' }),
        el('pre', { class: 'curl', text: curl }),
        el('pre', { class: 'json', text: shortJson(json) }));
    }

    drawTiles() {
      const ratio = this.img.naturalHeight / Math.max(1, this.img.naturalWidth);
      this.tiles.forEach((tile, i) => {
        const c = $('canvas', tile);
        c.width = 160;
        c.height = Math.max(1, Math.round(160 * ratio));
        drawMask(c, this.masks[i], this.img);
      });
    }

    /** Shows word i's map over the photo (-1: the plain photo). */
    showWord(i) {
      if (!this.overlay) return;
      this.current = i;
      this.overlay.dataset.word = String(i);
      this.words.forEach((w, k) => w.classList.toggle('shown', k === i));
      this.tiles.forEach((t, k) => t.classList.toggle('shown', k === i));
      if (i < 0) {
        this.overlay.classList.remove('on');
        drawMask(this.overlay, null, null);
        return;
      }
      const o = this.overlay.style;
      const img = this.img;
      o.left = `${img.offsetLeft}px`;
      o.top = `${img.offsetTop}px`;
      o.width = `${img.offsetWidth}px`;
      o.height = `${img.offsetHeight}px`;
      const dpr = window.devicePixelRatio || 1;
      this.overlay.width = Math.max(1, Math.round(img.offsetWidth * dpr));
      this.overlay.height = Math.max(1, Math.round(img.offsetHeight * dpr));
      drawMask(this.overlay, this.masks[i], null);
      this.overlay.classList.add('on');
    }

    pin(i) {
      this.pinned = i;
      this.words.forEach((w, k) => w.setAttribute('aria-pressed', String(k === i)));
      this.stopPlay();
      this.showWord(i);
    }

    keys(e, i) {
      const n = this.words.length;
      const go = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: n - 1 }[e.key];
      if (go !== undefined) {
        e.preventDefault();
        this.words[Math.max(0, Math.min(n - 1, go))].focus();
      } else if (e.key === 'Escape') {
        this.pin(-1);
      }
    }

    togglePlay() {
      if (this.timer) {
        this.stopPlay();
        return;
      }
      let i = 0;
      this.playButton.textContent = '■ Stop';
      this.playButton.setAttribute('aria-pressed', 'true');
      const step = () => {
        if (i >= this.words.length) {
          this.stopPlay();
          return;
        }
        this.showWord(i++);
        this.timer = setTimeout(step, PLAY_MS);
      };
      step();
    }

    stopPlay() {
      if (!this.timer) return;
      clearTimeout(this.timer);
      this.timer = null;
      this.playButton.textContent = '▶ Play the words';
      this.playButton.setAttribute('aria-pressed', 'false');
      this.showWord(this.pinned);
    }

    dispose() {
      if (this.timer) clearTimeout(this.timer);
      panels.delete(this);
    }
  }

  const fmt = (ms) => (typeof ms === 'number' ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : '–');

  /** The response, pretty-printed, with the long attention arrays shortened. */
  function shortJson(json) {
    return JSON.stringify(json, (k, v) => (Array.isArray(v) && v.length > 6 && typeof v[0] === 'number'
      ? `[${v.slice(0, 3).map((x) => x.toFixed(4)).join(', ')}, … ${v.length} numbers]` : v), 2);
  }

  // ---- input: drop, choose, paste -----------------------------------------------------------------------

  function addFiles(list) {
    const files = [...list].filter(Boolean);
    if (!files.length) return;
    const cards = files.map(makeCard);
    $('#results').prepend(...cards.map((c) => c.el));
    state.cards = cards;
    state.all.push(...cards);
    captionAll(files, cards);
  }

  function updateButtons() {
    $('#again').disabled = state.running > 0 || !state.cards.some((c) => c.el.isConnected);
    $('#clear').disabled = !$('#results').children.length;
  }

  function setupInput() {
    const drop = $('#drop');
    const input = $('#file');
    drop.addEventListener('click', () => input.click());
    drop.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        input.click();
      }
    });
    input.addEventListener('change', () => {
      const files = [...input.files];
      input.value = '';
      addFiles(files);
    });
    // a photo dropped anywhere on the page counts (and the browser does not navigate away to it)
    document.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    document.addEventListener('dragleave', (e) => {
      if (!e.relatedTarget) drop.classList.remove('over');
    });
    document.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      addFiles(e.dataTransfer.files);
    });
    document.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData ? e.clipboardData.items : [])]
        .filter((item) => item.kind === 'file').map((item) => item.getAsFile()).filter(Boolean);
      if (files.length) {
        e.preventDefault();
        addFiles(files.map((f, k) => new File([f], `pasted ${new Date().toLocaleTimeString()}${k ? ` (${k + 1})` : ''}.png`,
          { type: f.type })));
      }
    });
    $('#settings').addEventListener('submit', (e) => {
      e.preventDefault();
      const live = state.cards.filter((c) => c.el.isConnected);
      if (live.length && !state.running) captionAll(live.map((c) => c.file), live);
    });
    $('#clear').addEventListener('click', () => {
      for (const c of state.all) c.dispose();
      state.cards = [];
      state.all = [];
      updateButtons();
      drop.focus();
    });
    let resizing = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => panels.forEach((p) => p.current >= 0 && p.showWord(p.current)), 100);
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    setupSettings();
    setupInput();
    $('#api-example').textContent = `curl -F image=@photo.jpg '${location.origin}/v1/captions?attention=true'\n`
      + `curl -F image=@a.jpg -F image=@b.png '${location.origin}/v1/captions?strategy=beam&beam=5&max_length=20'`;
  });
})();
