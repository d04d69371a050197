// An in-memory stand-in for Easel's Rust backend, speaking Tauri's IPC shape. Used as a plain
// script (Playwright `addInitScript`) and from vitest; it defines `globalThis.__easelFake`.
// It is test scaffolding: it implements the contract's behaviour, not the app's logic.
(function () {
  const WORDS_A = ['A lighthouse', 'A red fox', 'An old tram', 'A paper boat', 'A glass teapot', 'A mountain village', 'A robot gardener', 'A jazz trio', 'A koi pond', 'A desert caravan', 'A snow owl', 'A neon alley'];
  const WORDS_B = ['at dawn', 'in the rain', 'under northern lights', 'in watercolour', 'as a linocut', 'in golden hour light', 'on a foggy morning', 'in isometric style', 'as a children\'s book illustration', 'in soft pastel'];
  const SIZES = [[1024, 1024], [1536, 1024], [1024, 1536], [1792, 1024], [1024, 1792]];
  const MODELS = ['gpt-image-1', 'gpt-image-1.5', 'dall-e-3', 'gpt-image-2', 'dall-e-2'];

  function catalog() {
    const gptSizes = ['auto', '1024x1024', '1536x1024', '1024x1536'];
    const base = { family: 'gpt-image', prompt_max_chars: 32000, custom_size: null, n_max: 10, qualities: ['auto', 'low', 'medium', 'high'], styles: [], backgrounds: ['auto', 'transparent', 'opaque'], output_formats: ['png', 'jpeg', 'webp'], supports_compression: true, moderation: ['auto', 'low'], legacy: false };
    return [{
      id: 'openai',
      name: 'OpenAI',
      key_env_var: 'OPENAI_API_KEY',
      default_base_url: 'https://api.openai.com/v1',
      default_model: 'gpt-image-1.5',
      models: [
        { ...base, id: 'gpt-image-2', label: 'GPT Image 2', sizes: gptSizes, custom_size: { multiple_of: 16, min_edge: 256, max_edge: 3840, max_pixels: 8294400, min_pixels: 262144, max_aspect: 3 } },
        { ...base, id: 'gpt-image-1.5', label: 'GPT Image 1.5', sizes: gptSizes },
        { ...base, id: 'gpt-image-1', label: 'GPT Image 1', sizes: gptSizes },
        { ...base, id: 'gpt-image-1-mini', label: 'GPT Image 1 mini', sizes: gptSizes },
        { ...base, id: 'dall-e-3', label: 'DALL·E 3', family: 'dall-e', prompt_max_chars: 4000, sizes: ['1024x1024', '1792x1024', '1024x1792'], n_max: 1, qualities: ['standard', 'hd'], styles: ['vivid', 'natural'], backgrounds: [], output_formats: [], supports_compression: false, moderation: [], legacy: false },
        { ...base, id: 'dall-e-2', label: 'DALL·E 2', family: 'dall-e', prompt_max_chars: 1000, sizes: ['256x256', '512x512', '1024x1024'], n_max: 10, qualities: [], styles: [], backgrounds: [], output_formats: [], supports_compression: false, moderation: [], legacy: true },
      ],
    }];
  }

  function license(use, createdAt) {
    const known = use !== 'unknown';
    return {
      id: known ? 'openai-2025-01' : 'unknown',
      known,
      provider: 'openai',
      covers: known ? 'Images generated through the OpenAI API' : '',
      summary: known ? 'You own the output, subject to the usage policies.' : 'No terms were recorded for this image.',
      output_ownership: known ? 'You own the output; OpenAI assigns its rights to you.' : 'Unknown',
      commercial_use: use,
      commercial_condition: use === 'conditional' ? 'Only for products that disclose AI generation.' : null,
      attribution_required: false,
      credit_line: 'Image generated with OpenAI',
      indemnity: known ? 'OpenAI indemnifies business customers against some third-party IP claims.' : 'Unknown',
      restrictions: known ? ['Do not represent output as human-made when it is not.', 'Follow the usage policies.'] : [],
      training_data: known ? 'API data is not used for training by default.' : 'Unknown',
      creators_compensated: known ? 'No' : 'Unknown',
      terms_url: 'https://openai.com/policies/terms-of-use',
      checked_on: '2026-01-15',
      sources: known ? [{ point: 'ownership', title: 'Terms of use §3', url: 'https://openai.com/policies/terms-of-use' }] : [],
      disclaimer: 'A summary for convenience, not legal advice. The provider\'s terms decide.',
      snapshot_at: createdAt,
    };
  }

  function makeImage(i, createdMs) {
    const [width, height] = SIZES[i % SIZES.length];
    const use = i % 97 === 5 ? 'unknown' : i % 61 === 7 ? 'no' : i % 43 === 3 ? 'conditional' : 'yes';
    const id = `img-${String(i).padStart(6, '0')}`;
    return {
      id,
      generation_id: `gen-${Math.floor(i / 2)}`,
      prompt: `${WORDS_A[i % WORDS_A.length]} ${WORDS_B[Math.floor(i / 7) % WORDS_B.length]} #${i}`,
      provider: 'openai',
      model: MODELS[i % MODELS.length],
      created_at: new Date(createdMs).toISOString(),
      width,
      height,
      format: i % 3 === 0 ? 'jpeg' : 'png',
      favorite: i % 7 === 0,
      commercial_use: use,
      damaged: false,
      deleted: false,
    };
  }

  function createFakeBackend(opts = {}) {
    const o = {
      images: 10000,
      keyPresent: true,
      keySource: 'keychain',
      keychainAvailable: true,
      accessibleModels: ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini', 'dall-e-3', 'other-model'],
      testProviderError: null,
      speed: 1,
      // When set, pages are at least this long whatever the UI asks, to reach huge libraries fast in tests.
      pageSize: 0,
      ...opts,
    };
    const now = Date.parse('2026-11-20T12:00:00Z');
    // Newest first: index 0 is the most recent.
    const images = Array.from({ length: o.images }, (_, i) => makeImage(i, now - i * 37 * 60 * 1000));
    // Images whose original a library check found damaged.
    for (const im of images) if ((o.damaged ?? []).includes(im.id)) im.damaged = true;
    let nextImage = o.images;
    const settings = {
      data_dir: '/home/user/.local/share/easel',
      embed_prompt_in_exports: false,
      keychain_available: o.keychainAvailable,
      key_file_path: o.keychainAvailable ? null : '/home/user/.config/easel/keys.json',
      providers: [{ id: 'openai', base_url: null, default_model: null, key: { present: o.keyPresent, source: o.keyPresent ? o.keySource : null } }],
    };
    const calls = [];
    const jobs = new Map();
    let jobSeq = 1;
    const hooks = { emitEvent: () => {}, sendChannel: () => {} };

    const fail = (code, message) => Promise.reject({ code, message });
    const summary = ({ deleted, ...rest }) => rest;
    const live = () => images.filter((im) => !im.deleted);

    function listImages(q) {
      const words = (q.text || '').toLowerCase().split(/\s+/).filter(Boolean);
      let rows = live().filter((im) =>
        (!q.provider || im.provider === q.provider) &&
        (!q.model || im.model === q.model) &&
        (!q.favorites_only || im.favorite) &&
        (!q.commercial_only || im.commercial_use === 'yes') &&
        (!q.since || im.created_at >= q.since) &&
        (!q.until || im.created_at < q.until) &&
        words.every((w) => im.prompt.toLowerCase().includes(w)));
      rows.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1));
      if (q.order === 'oldest_first') rows.reverse();
      let start = 0;
      if (q.cursor) {
        const at = rows.findIndex((im) => im.id === q.cursor);
        start = at < 0 ? rows.length : at + 1;
      }
      const limit = Math.max(q.limit, o.pageSize);
      const page = rows.slice(start, start + limit);
      const more = start + limit < rows.length;
      return { images: page.map(summary), next: more && page.length ? page[page.length - 1].id : null };
    }

    function detail(im) {
      return {
        ...summary(im),
        sha256: (im.id.replace(/\D/g, '') + 'ab').repeat(16).slice(0, 64).padEnd(64, 'f'),
        byte_size: im.width * im.height,
        revised_prompt: im.model === 'dall-e-3' ? `${im.prompt}, highly detailed, soft lighting` : null,
        seed: null,
        params: { n: 1, size: `${im.width}x${im.height}`, quality: 'high', output_format: im.format },
        usage: { input_tokens: 42, output_tokens: 4160, total_tokens: 4202 },
        request_id: `req_${im.id}`,
        license: license(im.commercial_use, im.created_at),
      };
    }

    function plan(ids, options) {
      const im = images.find((x) => x.id === ids[0]);
      if (!im) return fail('not_found', 'The image was not found.');
      let w = im.width;
      let h = im.height;
      const s = options.size;
      if (options.format !== 'original') {
        if (s.kind === 'long_edge') { const k = s.px / Math.max(w, h); w = Math.round(w * k); h = Math.round(h * k); }
        if (s.kind === 'physical_width') { const k = (s.inches * s.dpi) / w; w = Math.round(w * k); h = Math.round(h * k); }
        if (s.kind === 'fit') { const k = Math.min(s.width / w, s.height / h); w = Math.round(w * k); h = Math.round(h * k); }
      }
      const dpi = s.kind === 'physical_width' ? s.dpi : options.dpi;
      const flags = ids.map((id) => images.find((x) => x.id === id)).filter(Boolean).flatMap((x) =>
        x.commercial_use === 'no' ? [{ image_id: x.id, kind: 'non_commercial', message: `${x.id}: the terms do not allow commercial use.` }]
          : x.commercial_use === 'unknown' ? [{ image_id: x.id, kind: 'unknown_terms', message: `${x.id}: the licence terms are unknown.` }]
            : x.commercial_use === 'conditional' ? [{ image_id: x.id, kind: 'conditional', message: `${x.id}: commercial use has conditions.` }] : []);
      const perPixel = options.format === 'jpeg' ? 0.35 * (options.jpeg_quality / 90) : options.format === 'webp' ? 0.3 : 1.6;
      return { width: w, height: h, dpi: dpi ?? null, width_in: dpi ? w / dpi : null, estimated_bytes: Math.round(w * h * perPixel), upscaled: w > im.width, flags };
    }

    function runJob(jobId, request, channelId) {
      const t = (ms) => ms / o.speed;
      const ev = (stage, extra = {}) => ({ job_id: jobId, stage, attempt: null, retry_in_ms: null, generation_id: null, image_ids: [], error: null, ...extra });
      const script = [];
      const p = request.prompt;
      script.push([0, ev('queued')], [t(200), ev('sending', { attempt: 1 })]);
      if (/fail:quota/.test(p)) script.push([t(500), ev('failed', { error: { code: 'quota_exhausted', message: 'You exceeded your current quota, please check your plan and billing details.' } })]);
      else if (/fail:safety/.test(p)) script.push([t(500), ev('failed', { error: { code: 'rejected_by_safety', message: 'Your request was rejected by the safety system.' } })]);
      else if (/fail:auth/.test(p)) script.push([t(500), ev('failed', { error: { code: 'auth', message: 'Incorrect API key provided.' } })]);
      else {
        let at = t(400);
        if (/retry/.test(p)) {
          script.push([at, ev('waiting_to_retry', { attempt: 1, retry_in_ms: 3000 })]);
          at += t(3000);
          script.push([at, ev('sending', { attempt: 2 })]);
        }
        const slow = /slow/.test(p) ? t(20000) : 0;
        script.push([at + t(600) + slow, ev('receiving', { attempt: /retry/.test(p) ? 2 : 1 })]);
        script.push([at + t(900) + slow, ev('storing')]);
        script.push([at + t(1100) + slow, 'done']);
      }
      const job = { timers: [], finished: false, index: 0, cancel: () => {} };
      jobs.set(jobId, job);
      const send = (message) => {
        hooks.sendChannel(channelId, { index: job.index++, message });
        if (['done', 'failed', 'cancelled'].includes(message.stage)) {
          job.finished = true;
          hooks.sendChannel(channelId, { index: job.index, end: true });
        }
      };
      job.cancel = () => {
        if (job.finished) return;
        job.timers.forEach(clearTimeout);
        send(ev('cancelled', { error: { code: 'cancelled', message: 'The job was cancelled.' } }));
      };
      for (const [delay, event] of script) {
        job.timers.push(setTimeout(() => {
          if (job.finished) return;
          if (event !== 'done') return send(event);
          const n = request.params.n || 1;
          const [w, h] = (request.params.size || '1024x1024').split('x').map(Number);
          const ids = [];
          // Like a disk that fills up midway: only `storeAtMost` of the answer are stored.
          const stored = Math.min(n, o.storeAtMost ?? n);
          for (let k = 0; k < stored; k++) {
            const im = makeImage(nextImage++, Date.now());
            Object.assign(im, { prompt: request.prompt, model: request.model, width: w || 1024, height: h || 1024, favorite: false, commercial_use: 'yes', generation_id: `gen-${jobId}` });
            images.unshift(im);
            ids.push(im.id);
          }
          const lost = n - stored;
          const error = lost > 0
            ? { code: 'partly_stored', message: `Only ${stored} of the ${n} images the provider returned (and charged for) could be stored; the other ${lost} were lost: the disk is full.` }
            : null;
          send(ev('done', { generation_id: `gen-${jobId}`, image_ids: ids, error }));
          hooks.emitEvent('library-changed', { ids });
        }, delay));
      }
    }

    async function handle(cmd, args = {}) {
      calls.push({ cmd, args });
      switch (cmd) {
        case 'get_catalog': return catalog();
        case 'get_settings': return structuredClone(settings);
        case 'save_provider_settings': {
          const p = settings.providers.find((x) => x.id === args.provider);
          if (!p) return fail('not_found', `Provider ${args.provider} was not found.`);
          p.base_url = args.baseUrl; p.default_model = args.defaultModel;
          return structuredClone(settings);
        }
        case 'save_preferences': settings.embed_prompt_in_exports = args.embedPromptInExports; return structuredClone(settings);
        case 'set_api_key': {
          if (!args.key || args.key.length < 8) return fail('invalid_input', 'That does not look like an API key.');
          settings.providers[0].key = { present: true, source: o.keychainAvailable ? 'keychain' : 'file' };
          return structuredClone(settings);
        }
        case 'delete_api_key': settings.providers[0].key = { present: false, source: null }; return structuredClone(settings);
        case 'test_provider':
          if (o.testProviderError) return fail(o.testProviderError.code, o.testProviderError.message);
          if (!settings.providers[0].key.present) return fail('auth', 'No API key is configured. Check the API key in Settings (or the OPENAI_API_KEY environment variable).');
          return o.accessibleModels.slice();
        case 'start_generation': {
          if (!settings.providers[0].key.present) return fail('auth', 'No API key is configured.');
          const ch = args.onEvent;
          const channelId = typeof ch === 'string' ? Number(ch.split(':')[1]) : ch && typeof ch.id === 'number' ? ch.id : null;
          if (channelId === null) return fail('invalid_input', 'start_generation needs an onEvent channel.');
          const jobId = `job-${jobSeq++}`;
          runJob(jobId, args.request, channelId);
          return jobId;
        }
        case 'cancel_job': {
          const job = jobs.get(args.jobId);
          if (!job) return fail('not_found', 'The job was not found.');
          setTimeout(() => job.cancel(), 50 / o.speed);
          return null;
        }
        case 'list_images': return listImages(args.query);
        case 'get_image': {
          const im = images.find((x) => x.id === args.id && !x.deleted);
          return im ? detail(im) : fail('not_found', `Image ${args.id} was not found.`);
        }
        case 'set_favorite': {
          const im = images.find((x) => x.id === args.id);
          if (!im) return fail('not_found', 'The image was not found.');
          im.favorite = args.favorite;
          return null;
        }
        case 'delete_images': for (const im of images) if (args.ids.includes(im.id)) im.deleted = true; return null;
        case 'restore_images': for (const im of images) if (args.ids.includes(im.id)) im.deleted = false; return null;
        case 'copy_image': case 'reveal_image': case 'copy_credit_line': return null;
        case 'export_presets': return [
          { id: 'web', label: 'Web (2048 px JPEG)', options: { format: 'jpeg', size: { kind: 'long_edge', px: 2048 }, dpi: null, jpeg_quality: 85, background: [255, 255, 255], include_prompt: false, license_note: true, caption: null, alt_text: null } },
          { id: 'print-a4', label: 'Print 8 in at 300 DPI (PNG)', options: { format: 'png', size: { kind: 'physical_width', inches: 8, dpi: 300 }, dpi: 300, jpeg_quality: 90, background: [255, 255, 255], include_prompt: false, license_note: true, caption: null, alt_text: null } },
        ];
        case 'plan_export': return plan(args.ids, args.options);
        case 'choose_export_folder': return '/home/user/Pictures/Easel export';
        case 'back_up_library': {
          const live = images.filter((im) => !im.deleted);
          const sound = live.filter((im) => !im.damaged);
          return { file_name: 'easel-backup-2026-11-20.tar', images: live.length, originals: sound.length, bytes: sound.length * 1_500_000, left_out: live.length - sound.length };
        }
        case 'export_images': {
          const p = await plan(args.ids, args.options);
          const ext = args.options.format === 'original' ? 'png' : args.options.format;
          return { files: args.ids.map((id) => ({ image_id: id, path: `${args.outDir}/${id}.${ext}`, width: p.width, height: p.height, format: ext, bytes: p.estimated_bytes })), csv_path: args.ids.length > 1 ? `${args.outDir}/easel-export.csv` : null, flags: p.flags };
        }
        case 'plugin:clipboard-manager|write_text': case 'plugin:opener|open_url': return null;
        default: return fail('unknown', `The fake backend has no command ${cmd}.`);
      }
    }

    return { handle, hooks, calls, images, settings, options: o };
  }

  /** Installs window.__TAURI_INTERNALS__ backed by a fake backend (for the browser tests). */
  function installFakeTauri(opts) {
    const backend = createFakeBackend(opts);
    const callbacks = new Map();
    const listeners = new Map();
    let nextId = 1;
    const transformCallback = (cb, once) => {
      const id = nextId++;
      callbacks.set(id, (data) => { if (once) callbacks.delete(id); return cb && cb(data); });
      return id;
    };
    backend.hooks.sendChannel = (id, data) => { const cb = callbacks.get(id); if (cb) cb(data); };
    backend.hooks.emitEvent = (event, payload) => {
      for (const handlerId of listeners.get(event) || []) {
        const cb = callbacks.get(handlerId);
        if (cb) cb({ event, id: handlerId, payload });
      }
    };
    window.__TAURI_INTERNALS__ = {
      metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
      transformCallback,
      unregisterCallback: (id) => callbacks.delete(id),
      convertFileSrc: (path, protocol = 'asset') => `${protocol}://localhost/${encodeURIComponent(path)}`,
      invoke: async (cmd, args) => {
        if (cmd === 'plugin:event|listen') {
          if (!listeners.has(args.event)) listeners.set(args.event, []);
          listeners.get(args.event).push(args.handler);
          return args.handler;
        }
        if (cmd === 'plugin:event|unlisten') {
          const l = listeners.get(args.event) || [];
          listeners.set(args.event, l.filter((h) => h !== args.eventId));
          return null;
        }
        return backend.handle(cmd, args);
      },
    };
    window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: (_event, id) => callbacks.delete(id) };
    window.__easelBackend = backend;
    return backend;
  }

  globalThis.__easelFake = { createFakeBackend, installFakeTauri };
})();
