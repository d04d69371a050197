// An in-memory stand-in for Easel's Rust backend, speaking Tauri's IPC shape. Used as a plain
// script (Playwright `addInitScript`) and from vitest; it defines `globalThis.__easelFake`.
// It is test scaffolding: it implements the contract's behaviour, not the app's logic.
(function () {
  const WORDS_A = ['A lighthouse', 'A red fox', 'An old tram', 'A paper boat', 'A glass teapot', 'A mountain village', 'A robot gardener', 'A jazz trio', 'A koi pond', 'A desert caravan', 'A snow owl', 'A neon alley'];
  const WORDS_B = ['at dawn', 'in the rain', 'under northern lights', 'in watercolour', 'as a linocut', 'in golden hour light', 'on a foggy morning', 'in isometric style', 'as a children\'s book illustration', 'in soft pastel'];
  const SIZES = [[1024, 1024], [1536, 1024], [1024, 1536], [1792, 1024], [1024, 1792]];
  const MODELS = ['gpt-image-1', 'gpt-image-1.5', 'dall-e-3', 'gpt-image-2', 'dall-e-2'];

  // What core's ModelSpec::parameters() gives for an OpenAI-shaped model entry.
  function openaiParams(m) {
    const out = [];
    const choice = (name, label, values, dflt = null) => ({ name, label, kind: 'choice', values, default: dflt, min: null, max: null, max_chars: null, step: null, help: '' });
    if (m.n_max > 1) out.push({ ...choice('n', 'Images', []), kind: 'integer', min: 1, max: m.n_max, default: 1 });
    if (m.sizes.length) out.push({ ...choice('size', 'Size', m.sizes, m.sizes[0]), kind: 'size' });
    if (m.qualities.length) out.push(choice('quality', 'Quality', m.qualities, m.qualities[0]));
    if (m.styles.length) out.push(choice('style', 'Style', m.styles));
    if (m.backgrounds.length) out.push(choice('background', 'Background', m.backgrounds));
    if (m.output_formats.length) out.push(choice('output_format', 'Format', m.output_formats, 'png'));
    if (m.compression_formats.length) out.push({ ...choice('output_compression', 'Compression', []), kind: 'integer', min: 0, max: 100 });
    if (m.moderation.length) out.push(choice('moderation', 'Moderation', m.moderation));
    return out;
  }

  const SAFE = { commercially_safe: true, not_safe_because: null };
  const LICENSES = {
    openai: { terms_id: 'openai-images', covers: 'OpenAI image models', commercial_use: 'conditional', indemnified: true, ...SAFE, terms_url: 'https://openai.com/policies/service-terms' },
    stability: { terms_id: 'stability-api', covers: "Stability AI's hosted API", commercial_use: 'yes', indemnified: false, commercially_safe: false, not_safe_because: 'its terms offer no indemnity for the images', terms_url: 'https://stability.ai/terms-of-service' },
    getty: { terms_id: 'getty-generative', covers: 'Generative AI by Getty Images', commercial_use: 'yes', indemnified: true, ...SAFE, terms_url: 'https://www.gettyimages.com/eula' },
    firefly: { terms_id: 'adobe-firefly', covers: 'Adobe Firefly Services', commercial_use: 'yes', indemnified: true, ...SAFE, terms_url: 'https://www.adobe.com/legal/terms.html' },
  };
  const field = (id, label, env_var, secret) => ({ id, label, env_var, secret, present: false, source: null });

  function catalog(o, creds) {
    const gptSizes = ['auto', '1024x1024', '1536x1024', '1024x1536'];
    const base = { family: 'gpt-image', notes: '', prompt_max_chars: 32000, custom_size: null, n_max: 10, qualities: ['auto', 'low', 'medium', 'high'], styles: [], backgrounds: ['auto', 'transparent', 'opaque'], output_formats: ['png', 'jpeg', 'webp'], compression_formats: ['jpeg', 'webp'], transparent_background_formats: ['png', 'webp'], moderation: ['auto', 'low'], legacy: false, credits_per_image: null };
    const openaiModels = [
      { ...base, id: 'gpt-image-2', label: 'GPT Image 2', sizes: gptSizes, custom_size: { multiple_of: 16, min_edge: 256, max_edge: 3840, max_pixels: 8294400, min_pixels: 262144, max_aspect: 3 } },
      { ...base, id: 'gpt-image-1.5', label: 'GPT Image 1.5', sizes: gptSizes },
      { ...base, id: 'gpt-image-1', label: 'GPT Image 1', sizes: gptSizes },
      { ...base, id: 'gpt-image-1-mini', label: 'GPT Image 1 mini', sizes: gptSizes },
      { ...base, id: 'dall-e-3', label: 'DALL·E 3', family: 'dall-e', prompt_max_chars: 4000, sizes: ['1024x1024', '1792x1024', '1024x1792'], n_max: 1, qualities: ['standard', 'hd'], styles: ['vivid', 'natural'], backgrounds: [], output_formats: [], compression_formats: [], transparent_background_formats: [], moderation: [], legacy: false },
      { ...base, id: 'dall-e-2', label: 'DALL·E 2', family: 'dall-e', prompt_max_chars: 1000, sizes: ['256x256', '512x512', '1024x1024'], n_max: 10, qualities: [], styles: [], backgrounds: [], output_formats: [], compression_formats: [], transparent_background_formats: [], moderation: [], legacy: true },
    ].map((m) => {
      const { sizes, n_max, qualities, styles, backgrounds, output_formats, moderation, ...rest } = m;
      return { ...rest, parameters: openaiParams(m), license: LICENSES.openai };
    });
    const p = (name, label, kind, extra = {}) => ({ name, label, kind, values: [], default: null, min: null, max: null, max_chars: null, step: null, help: '', ...extra });
    const ratios = ['21:9', '16:9', '3:2', '5:4', '1:1', '4:5', '2:3', '9:16', '9:21'];
    const styles = ['3d-model', 'analog-film', 'anime', 'cinematic', 'comic-book', 'digital-art', 'enhance', 'fantasy-art', 'isometric', 'line-art', 'low-poly', 'neon-punk', 'origami', 'photographic', 'pixel-art', 'tile-texture'];
    const stabilityParams = [
      p('aspect_ratio', 'Aspect ratio', 'choice', { values: ratios, default: '1:1' }),
      p('style', 'Style preset', 'choice', { values: styles, help: 'Guides the image towards a style.' }),
      p('seed', 'Seed', 'integer', { min: 0, max: 4294967294, default: 0, help: '0 or none: random.' }),
      p('output_format', 'Format', 'choice', { values: ['png', 'jpeg', 'webp'], default: 'png' }),
      p('negative_prompt', 'Negative prompt', 'text', { max_chars: 10000, help: 'What the image should not show' }),
    ];
    const stab = (id, label, credits, params = stabilityParams) => ({ id, label, family: id.startsWith('sd3') ? 'sd3.5' : id, notes: '', prompt_max_chars: 10000, parameters: params, credits_per_image: credits, custom_size: null, transparent_background_formats: [], compression_formats: [], legacy: false, license: LICENSES.stability });
    const noStyle = stabilityParams.filter((x) => x.name !== 'style');
    const gettyParams = [
      p('aspect_ratio', 'Aspect ratio', 'choice', { values: ['1:1', '4:3', '3:4', '16:9', '9:16'], default: '1:1' }),
      p('media_type', 'Media type', 'choice', { values: ['photography', 'illustration'], default: 'photography' }),
      p('mood', 'Mood', 'choice', { values: ['black_and_white', 'warm', 'cool', 'natural', 'vivid', 'dramatic', 'bold'] }),
      p('negative_prompt', 'Negative prompt', 'text', { max_chars: 1000, help: 'What the image should not show' }),
    ];
    const fireflyParams = [
      p('n', 'Images', 'integer', { min: 1, max: 4, default: 1 }),
      p('size', 'Size', 'size', { values: ['2048x2048', '2304x1792', '1792x2304', '2688x1536', '1344x768'], default: '2048x2048' }),
      p('content_class', 'Content class', 'choice', { values: ['photo', 'art'] }),
      p('style', 'Style preset', 'choice', { values: ['bw', 'cool_colors', 'golden_hour', 'landscape_photography', 'watercolor', 'pencil_drawing'] }),
      p('seed', 'Seed', 'integer', { min: 1, max: 100000 }),
      p('negative_prompt', 'Negative prompt', 'text', { max_chars: 1024, help: 'What the image should not show' }),
    ];
    const limits = (concurrent_jobs, requests, lockout) => ({ concurrent_jobs, requests, lockout_after_rate_limit_ms: lockout });
    const provider = (id, name, fields, default_base_url, default_model, lim, models) => {
      const credentials = fields.map((f) => ({ ...f, ...(creds[id]?.[f.id] ?? {}) }));
      return { id, name, key_env_var: fields[0].env_var, default_base_url, default_model, configured: credentials.every((f) => f.present), credentials, limits: lim, models };
    };
    return [
      provider('openai', 'OpenAI', [field('api_key', 'API key', 'OPENAI_API_KEY', true)], 'https://api.openai.com/v1', 'gpt-image-1.5', limits(3, null, null), openaiModels),
      provider('stability', 'Stability AI', [field('api_key', 'API key', 'STABILITY_API_KEY', true)], 'https://api.stability.ai', 'sd3.5-large', limits(4, { count: 150, window_ms: 10000 }, 60000), [
        stab('ultra', 'Stable Image Ultra', 8),
        stab('core', 'Stable Image Core', 3),
        stab('sd3.5-large', 'SD 3.5 Large', 6.5, noStyle),
        stab('sd3.5-large-turbo', 'SD 3.5 Large Turbo', 4, noStyle),
        stab('sd3.5-medium', 'SD 3.5 Medium', 3.5, noStyle),
        stab('sd3.5-flash', 'SD 3.5 Flash', 2.5, noStyle),
      ]),
      provider('getty', 'Getty Images', [field('api_key', 'API key', 'GETTY_API_KEY', false), field('api_secret', 'API secret', 'GETTY_API_SECRET', true)], 'https://api.gettyimages.com', 'generative-ai', limits(2, null, null), [
        { id: 'generative-ai', label: 'Generative AI by Getty Images', family: 'getty', notes: '', prompt_max_chars: 2000, parameters: gettyParams, credits_per_image: null, custom_size: null, transparent_background_formats: [], compression_formats: [], legacy: false, license: LICENSES.getty },
      ]),
      provider('firefly', 'Adobe Firefly', [field('client_id', 'Client ID', 'FIREFLY_SERVICES_CLIENT_ID', false), field('client_secret', 'Client secret', 'FIREFLY_SERVICES_CLIENT_SECRET', true)], 'https://firefly-api.adobe.io', 'image4', limits(2, { count: 4, window_ms: 60000 }, null), [
        { id: 'image4', label: 'Firefly Image 4', family: 'firefly', notes: '', prompt_max_chars: 1024, parameters: fireflyParams, credits_per_image: null, custom_size: null, transparent_background_formats: [], compression_formats: [], legacy: false, license: LICENSES.firefly },
      ]),
    ];
  }

  function license(use, createdAt, provider = 'openai') {
    const known = use !== 'unknown';
    return {
      id: known ? LICENSES[provider].terms_id : 'unknown',
      known,
      provider,
      covers: known ? 'Images generated through the OpenAI API' : '',
      summary: known ? 'You own the output, subject to the usage policies.' : 'No terms were recorded for this image.',
      output_ownership: known ? 'You own the output; OpenAI assigns its rights to you.' : 'Unknown',
      commercial_use: use,
      commercial_condition: use === 'conditional' ? 'Only for products that disclose AI generation.' : null,
      attribution_required: false,
      credit_line: 'Image generated with OpenAI',
      indemnity: known ? 'OpenAI indemnifies business customers against some third-party IP claims.' : 'Unknown',
      indemnified: known && LICENSES[provider].indemnified,
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
    // Every tenth image from Stability (some blurred by its filter), every tenth a Getty
    // preview or a licensed Getty file; the rest from OpenAI.
    const provider = i % 10 === 2 ? 'stability' : i % 10 === 8 ? 'getty' : 'openai';
    const model = provider === 'stability' ? 'ultra' : provider === 'getty' ? 'generative-ai' : MODELS[i % MODELS.length];
    const licensed = provider === 'getty' && i % 20 === 18;
    return {
      id,
      generation_id: `gen-${Math.floor(i / 2)}`,
      prompt: `${WORDS_A[i % WORDS_A.length]} ${WORDS_B[Math.floor(i / 7) % WORDS_B.length]} #${i}`,
      provider,
      model,
      filtered: provider === 'stability' && i % 30 === 2,
      license_status: provider === 'getty' ? (licensed ? 'licensed' : 'preview') : 'included',
      asset_id: provider === 'getty' ? `getty-${i}` : null,
      license_transaction: licensed ? { reference: `GI-TX-${100000 + i}`, size: '4k', licensed_at: new Date(createdMs).toISOString() } : null,
      licensed_from: licensed ? `img-${String(i + 10).padStart(6, '0')}` : null,
      seed: provider === 'stability' ? 1000 + i : null,
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
      // Milliseconds each list_images answer waits; may be changed while running (options.listDelayMs).
      listDelayMs: 0,
      // Stability's key comes from STABILITY_API_KEY; Getty and Firefly start unset.
      stabilityFromEnv: true,
      gettyConfigured: false,
      fireflyConfigured: false,
      openFailure: null,
      // An older library being upgraded as it opens: every command but library_open_stage waits,
      // as at the shell's open gate, until this is set back to null (options.upgrade).
      upgrade: null,
      ...opts,
    };
    const now = Date.parse('2026-11-20T12:00:00Z');
    // Newest first: index 0 is the most recent.
    const images = Array.from({ length: o.images }, (_, i) => makeImage(i, now - i * 37 * 60 * 1000));
    // Images whose original a library check found damaged.
    for (const im of images) if ((o.damaged ?? []).includes(im.id)) im.damaged = true;
    // Edits and variations: child id -> [parent id, operation].
    for (const [child, [parent, operation]] of Object.entries(o.lineage ?? {})) {
      const im = images.find((x) => x.id === child);
      if (im) Object.assign(im, { parent, operation });
    }
    let nextImage = o.images;
    const settings = {
      data_dir: '/home/user/.local/share/easel',
      embed_prompt_in_exports: false,
      keychain_available: o.keychainAvailable,
      key_file_path: o.keychainAvailable ? null : '/home/user/.config/easel/keys.json',
      providers: ['openai', 'stability', 'getty', 'firefly'].map((id) => ({ id, base_url: null, default_model: null, key: { present: false, source: null } })),
    };
    const stored = (present, source) => ({ present, source: present ? source : null });
    // Per provider and field: set or not, and from where. Never a value.
    const creds = {
      openai: { api_key: stored(o.keyPresent, o.keySource) },
      stability: { api_key: stored(o.stabilityFromEnv, 'env') },
      getty: { api_key: stored(o.gettyConfigured, 'keychain'), api_secret: stored(o.gettyConfigured, 'keychain') },
      firefly: { client_id: stored(o.fireflyConfigured, 'keychain'), client_secret: stored(o.fireflyConfigured, 'keychain') },
    };
    const providerInfo = (id) => catalog(o, creds).find((p) => p.id === id) ?? endpointProviders().find((p) => p.id === id);
    const credentialsView = (id) => {
      const p = providerInfo(id);
      return { provider: id, configured: p.configured, fields: p.credentials };
    };
    const syncKeyStatus = () => {
      for (const p of settings.providers) {
        const first = Object.values(creds[p.id])[0];
        p.key = { present: first.present, source: first.source };
      }
    };
    syncKeyStatus();
    const calls = [];
    const jobs = new Map();
    let jobSeq = 1;
    const hooks = { emitEvent: () => {}, sendChannel: () => {} };

    const fail = (code, message) => Promise.reject({ code, message });
    const summary = ({ deleted, asset_id, license_transaction, licensed_from, seed, rating, trash, ...rest }) => rest;
    const live = () => images.filter((im) => !im.deleted);

    // --- Organising (issue 11): boards, tags, ratings, notes, saved searches, the search
    // language. As core's library: names compare ignoring case, a board or tag nobody has
    // matches nothing, an unknown key is an error with its place, never an empty result.
    const SEARCH_KEYS = [
      ['tag', 'tag:NAME — images with this tag'],
      ['board', 'board:NAME — images on this board'],
      ['model', 'model:ID — made with this model'],
      ['provider', 'provider:ID — made with this provider'],
      ['rating', 'rating:>=4 — rated at least (or =, <, <=, >) N of 5'],
      ['is', 'is:favorite — favourites only'],
      ['license', 'license:commercial|noncommercial|unknown|preview|licensed'],
      ['before', 'before:YYYY-MM-DD — made before that day'],
      ['after', 'after:YYYY-MM-DD — made on or after that day'],
      ['size', 'size:>=2048 — long edge in pixels'],
      ['credentials', 'credentials:any|intact|trusted|invalid|none|unread — Content Credentials'],
    ];
    const boards = [];
    let boardSeq = 1;
    const tags = new Map(); // name_key -> { name, images: Set<id> }
    const notes = new Map();
    const saved = [];
    let savedSeq = 1;
    let trashSeq = 1;
    const key = (n) => n.trim().toLowerCase();
    for (const im of images) im.rating = im.rating ?? 0;
    for (const [name, ids] of Object.entries(o.tags ?? {})) tags.set(key(name), { name, images: new Set(ids) });
    for (const [name, ids] of Object.entries(o.boards ?? {})) boards.push({ id: boardSeq++, name, cover: null, created_at: new Date(now).toISOString(), images: new Set(ids) });
    const liveIds = () => new Set(live().map((im) => im.id));
    const boardView = (b) => {
      const ids = liveIds();
      const members = live().filter((im) => b.images.has(im.id));
      return { id: b.id, name: b.name, image_count: members.length, cover: b.cover && ids.has(b.cover) ? b.cover : (members[0]?.id ?? null), created_at: b.created_at };
    };
    const checkedName = (name, what) => {
      const n = (name ?? '').trim();
      if (!n) return [null, `The ${what} name is empty.`];
      if (/[\u0000-\u001f\u007f]/.test(n)) return [null, `The ${what} name contains a control character (a line break, tab or escape); use plain text.`];
      return [n, null];
    };

    function tokens(input) {
      const out = [];
      let i = 0;
      const chars = [...input];
      while (i < chars.length) {
        if (/\s/.test(chars[i])) { i++; continue; }
        const start = i;
        let negated = false;
        if (chars[i] === '-' && chars[i + 1] && !/\s/.test(chars[i + 1])) { negated = true; i++; }
        let k = null;
        let j = i;
        while (j < chars.length && /[A-Za-z]/.test(chars[j])) j++;
        if (j > i && chars[j] === ':') { k = chars.slice(i, j).join(''); i = j + 1; }
        let text = '';
        let quoted = false;
        if (chars[i] === '"') {
          const open = i;
          i++;
          while (i < chars.length && chars[i] !== '"') text += chars[i++];
          if (i >= chars.length) throw { message: 'A quote is not closed; add the closing ".', start: open, end: chars.length };
          i++;
          quoted = true;
        } else {
          while (i < chars.length && !/\s/.test(chars[i])) text += chars[i++];
        }
        out.push({ text, quoted, negated, key: k, start, end: i });
      }
      return out;
    }

    /** The search language as core parses it: a problem {message, start, end} or the parsed search. */
    // ---- Issue 10 UI: Content Credentials and signing ----
    const CREDENTIALS_FILTERS = ['any', 'intact', 'trusted', 'invalid', 'none', 'unread'];
    const TRUST_LIST = 'C2PA Trust List (2026-08-21)';
    const GENAI = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
    /** What the file carries: trusted | valid | invalid | hostile | none. */
    function credentialsKind(im) {
      if (o.credentials?.[im.id]) return o.credentials[im.id] === 'unread' ? 'trusted' : o.credentials[im.id];
      if (im.imported) return 'none';
      return im.provider === 'openai' ? (Number(im.id.replace(/\D/g, '')) % 13 === 6 ? 'invalid' : 'trusted') : 'none';
    }
    /** Images stored before Easel read credentials: some OpenAI ones and every Getty one. */
    const unread = new Set(images.filter((im) => o.credentials?.[im.id] === 'unread' || (!o.credentials?.[im.id] && (im.provider === 'getty' || (im.provider === 'openai' && Number(im.id.replace(/\D/g, '')) % 11 === 4)))).map((im) => im.id));
    function credentialsOf(im) {
      const kind = credentialsKind(im);
      const none = { state: 'none', problems: [], claim_generator: null, signer: null, signed_at: null, digital_source_type: null, actions: [], ingredients: [], title: null, trust_list: TRUST_LIST };
      if (kind === 'none') return none;
      const made = { ...none, state: 'trusted', claim_generator: 'OpenAI', signer: 'OpenAI', signed_at: im.created_at, digital_source_type: GENAI, title: 'image.png',
        actions: [{ action: 'c2pa.created', digital_source_type: GENAI, software_agent: 'GPT-4o', when: im.created_at }, { action: 'c2pa.converted', digital_source_type: null, software_agent: 'OpenAI API', when: null }],
        ingredients: [] };
      if (kind === 'trusted') return made;
      if (kind === 'valid') return { ...made, state: 'valid', claim_generator: 'Easel 0.1.0', signer: 'Easel on this computer', ingredients: [{ title: 'original.png', relationship: 'parentOf', format: 'image/png', has_credentials: true }] };
      if (kind === 'invalid') return { ...made, state: 'invalid', problems: [{ code: 'assertion.dataHash.mismatch', explanation: 'The image data changed after it was signed.' }] };
      if (kind !== 'hostile') throw new Error(`fake: unknown credentials kind ${kind}`);
      // Text an attacker controls: it must show as text, escapes and all.
      return { ...made, state: 'valid', claim_generator: '<img src=x onerror="window.__pwned=1">Evil\u001b[31m', signer: '<b>Signer</b>', title: '<script>alert(1)</script>',
        actions: [{ action: 'com.evil.<i>act</i>', digital_source_type: null, software_agent: '<u>agent</u>', when: null }],
        ingredients: [{ title: '<img src=y onerror="window.__pwned=2">', relationship: 'parentOf', format: 'image/png', has_credentials: false }] };
    }
    function sentenceOf(c) {
      if (c.state === 'none') return 'No Content Credentials.';
      const how = c.digital_source_type?.endsWith('/trainedAlgorithmicMedia') ? 'with generative AI' : null;
      const parts = [c.claim_generator ? (how ? `Made by ${c.claim_generator} ${how}` : `Made by ${c.claim_generator}`) : how ? `Made ${how}` : 'Content Credentials'];
      if (c.signer) parts.push(`signed by ${c.signer}`);
      parts.push(c.state === 'trusted' ? 'intact' : c.state === 'valid' ? 'intact, from a signer not on the C2PA trust list' : c.problems[0] ? `not intact (${c.problems[0].code})` : 'not intact');
      return `${parts.join(', ')}.`;
    }
    const credentialsReport = (im) => unread.has(im.id)
      ? { sentence: 'Content Credentials not read yet.', credentials: null }
      : (() => { const c = credentialsOf(im); return { sentence: sentenceOf(c), credentials: c }; })();
    function credentialsMatch(im, f) {
      if (f === 'unread') return unread.has(im.id);
      if (unread.has(im.id)) return false;
      const st = credentialsOf(im).state;
      return f === 'any' ? st !== 'none' : f === 'intact' ? st === 'trusted' || st === 'valid' : st === f;
    }
    const signing = { enabled: true, kind: o.organisationSigner ? 'organisation' : 'installation', subject: o.organisationSigner ? 'Example Studio Ltd' : 'Easel on this computer', certificate_file: '/home/user/.config/easel/signing/chain.pem' };
    let keyPicks = 0;
    const signingStatus = () => ({ ...signing, what_others_see: signing.kind === 'organisation'
      ? "Other tools will show these Content Credentials as valid and signed by your organisation; they show it as trusted only if your organisation's certificate is on their trust list."
      : "Other tools will show these Content Credentials as valid, from a signer they don't know (this installation's own certificate)." });

    // Import: what a folder holds is made up from its path; files named like a picked file
    // are one image each. A folder: 40 images (every tenth already in the library), a
    // corrupt file, a 60000×60000 header, and a text file that is ignored.
    let importRun = null;
    const importedBefore = new Set();
    function filesOf(paths) {
      const out = [];
      let ignored = 0;
      for (const p of paths) {
        if (/\.(png|jpe?g|webp)$/i.test(p)) { out.push(p); continue; }
        for (let i = 0; i < (o.importFolderSize ?? 40); i++) out.push(`${p}/image-${String(i).padStart(3, '0')}.png`);
        out.push(`${p}/corrupt.png`, `${p}/huge.png`);
        ignored++;
      }
      return { files: out, ignored };
    }
    function runImport(paths, recursive, channelId) {
      const { files, ignored } = filesOf(paths);
      const run = (importRun = { cancelled: false, done: false });
      const summaryOut = { imported: [], duplicates: [], unreadable: [], ignored, cancelled: false, not_started: 0, error: null };
      const p = { total: files.length, done: 0, imported: 0, duplicates: 0, unreadable: 0, last: null };
      let index = 0;
      return new Promise((resolve) => {
        const step = () => {
          if (run.cancelled || index >= files.length) {
            summaryOut.cancelled = run.cancelled;
            summaryOut.not_started = files.length - index;
            run.done = true;
            if (summaryOut.imported.length) hooks.emitEvent('library-changed', { ids: summaryOut.imported.map((f) => f.image_id) });
            return resolve(summaryOut);
          }
          const path = files[index++];
          const name = path.split('/').pop();
          if (name === 'corrupt.png') summaryOut.unreadable.push({ path, code: 'unreadable', reason: 'The file is damaged: the PNG data ends early (truncated or corrupt).' });
          else if (name === 'huge.png') summaryOut.unreadable.push({ path, code: 'image_too_large', reason: 'The image is too large to open safely (60000x60000; the limit is 16384 px per side and 512 MiB decoded).' });
          else if (importedBefore.has(path)) summaryOut.duplicates.push({ path, image_id: 'img-000000', reason: 'already_imported' });
          else if (/-\d\d7\.png$/.test(name)) summaryOut.duplicates.push({ path, image_id: 'img-000001', reason: 'same_bytes' });
          else {
            importedBefore.add(path);
            const im = makeImage(nextImage++, Date.now());
            const tool = index % 3 === 0 ? 'comfyui' : 'a1111';
            Object.assign(im, {
              provider: 'import', model: tool === 'comfyui' ? 'flux1-dev.safetensors' : 'sd_xl_base_1.0.safetensors', commercial_use: 'unknown', license_status: 'included',
              imported: { tool, file_name: name, file_modified: '2025-06-01T10:00:00Z', imported_at: new Date().toISOString(), digital_source_type: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
                declared: { usage_terms: 'CC BY 4.0 <a href="x">link</a>', rights: '© 2025 Ann', credit: null, web_statement: null, creator: 'Ann' },
                unmapped: [{ source: 'a1111', key: 'Lora hashes', value: 'detail: 0a1b2c' }, { source: 'png:Comment', key: 'Comment', value: '<script>window.__pwned=3</script>\u001b[2J' }] },
            });
            images.unshift(im);
            summaryOut.imported.push({ path, image_id: im.id, tool });
          }
          p.done = index; p.imported = summaryOut.imported.length; p.duplicates = summaryOut.duplicates.length; p.unreadable = summaryOut.unreadable.length; p.last = name;
          hooks.sendChannel(channelId, { index: index - 1, message: { ...p } });
          setTimeout(step, (o.importDelayMs ?? 40) / o.speed);
        };
        setTimeout(step, 10);
      });
    }

    function parseSearch(input) {
      const q = { words: [], phrases: [], excluded: [], tags: [], boards: [], models: [], providers: [], rating: null, favorite: false, license: null, before: null, after: null, size: null, credentials: null };
      let toks;
      try { toks = tokens(input); } catch (problem) { return { problem }; }
      const num = (v) => { const m = /^(>=|<=|>|<|=)?\s*(\d+)$/.exec(v); return m ? { op: m[1] || '=', value: Number(m[2]) } : null; };
      for (const t of toks) {
        const err = (message) => ({ problem: { message, start: t.start, end: t.end } });
        if (!t.key) {
          if (!t.text) continue;
          if (t.negated) q.excluded.push(t.text.toLowerCase()); else if (t.quoted) q.phrases.push(t.text.toLowerCase()); else q.words.push(t.text.toLowerCase());
          continue;
        }
        if (t.negated) return err(`"-${t.key}:" cannot be negated; leave out the minus.`);
        const v = t.text.trim();
        const k = t.key.toLowerCase();
        if (!v) return err(`"${t.key}:" needs a value, e.g. ${(SEARCH_KEYS.find(([x]) => x === k)?.[1] ?? `${k}:VALUE`).split(' ')[0]}.`);
        switch (k) {
          case 'tag': q.tags.push(key(v)); break;
          case 'board': q.boards.push(key(v)); break;
          case 'model': q.models.push(v); break;
          case 'provider': q.providers.push(v.toLowerCase()); break;
          case 'rating': { const f = num(v); if (!f) return err(`rating: "${v}" is not a number, e.g. >=4 or 3.`); if (f.value > 5) return err(`Ratings go from 0 to 5; ${f.value} was asked for.`); q.rating = f; break; }
          case 'size': { const f = num(v); if (!f) return err(`size: "${v}" is not a number, e.g. >=4 or 3.`); q.size = f; break; }
          case 'is': if (!['favorite', 'favourite', 'fav'].includes(v.toLowerCase())) return err(`"is:${v}" is not known; use is:favorite.`); q.favorite = true; break;
          case 'license': case 'licence': {
            const l = v.toLowerCase().replace('non-commercial', 'noncommercial');
            if (!['commercial', 'noncommercial', 'unknown', 'preview', 'licensed'].includes(l)) return err(`"license:${v}" is not known; use commercial, noncommercial, unknown, preview or licensed.`);
            q.license = l; break;
          }
          case 'credentials': case 'cr': {
            const c = v.toLowerCase();
            if (!CREDENTIALS_FILTERS.includes(c)) return err(`"credentials:${v}" is not known; use ${CREDENTIALS_FILTERS.join(', ')}.`);
            q.credentials = c; break;
          }
          case 'before': case 'after':
            if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return err(`"${t.key}:${v}" is not a date; write YYYY-MM-DD, e.g. ${t.key}:2026-01-31.`);
            q[k] = `${v}T00:00:00Z`; break;
          default:
            return err(`"${t.key}:" is not a search key. Known keys: ${SEARCH_KEYS.map(([x]) => x).join(', ')}. To search for the text, put it in quotes: "${t.key}:${v}".`);
        }
      }
      return { search: q };
    }

    const compare = (f, n) => f.op === '>=' ? n >= f.value : f.op === '<=' ? n <= f.value : f.op === '>' ? n > f.value : f.op === '<' ? n < f.value : n === f.value;
    function matchesSearch(im, s) {
      const prompt = im.prompt.toLowerCase();
      if (!s.words.every((w) => prompt.includes(w))) return false;
      if (!s.phrases.every((p) => prompt.includes(p))) return false;
      if (s.excluded.some((w) => prompt.includes(w))) return false;
      if (!s.tags.every((t) => tags.get(t)?.images.has(im.id))) return false;
      if (!s.boards.every((b) => boards.find((x) => key(x.name) === b)?.images.has(im.id))) return false;
      if (s.models.length && !s.models.includes(im.model)) return false;
      if (s.providers.length && !s.providers.includes(im.provider)) return false;
      if (s.rating && !compare(s.rating, im.rating ?? 0)) return false;
      if (s.favorite && !im.favorite) return false;
      if (s.size && !compare(s.size, Math.max(im.width, im.height))) return false;
      if (s.before && !(im.created_at < s.before)) return false;
      if (s.after && !(im.created_at >= s.after)) return false;
      if (s.license === 'commercial' && !((im.commercial_use === 'yes' || im.commercial_use === 'conditional') && im.license_status !== 'preview')) return false;
      if (s.license === 'noncommercial' && im.commercial_use !== 'no') return false;
      if (s.license === 'unknown' && im.commercial_use !== 'unknown') return false;
      if (s.license === 'preview' && im.license_status !== 'preview') return false;
      if (s.license === 'licensed' && im.license_status !== 'licensed') return false;
      if (s.credentials && !credentialsMatch(im, s.credentials)) return false;
      return true;
    }

    /** Every live image a list query matches, in list order; a problem for bad search text. */
    function matching(q) {
      const parsed = parseSearch(q.text || '');
      if (parsed.problem) return parsed;
      // As core: `credentials:` in the text wins over the query's field.
      if (!parsed.search.credentials && q.credentials) parsed.search.credentials = q.credentials;
      const rows = live().filter((im) =>
        (!q.provider || im.provider === q.provider) &&
        (!q.model || im.model === q.model) &&
        (!q.favorites_only || im.favorite) &&
        // As core: conditional counts, unlicensed previews do not.
        (!q.commercial_only || ((im.commercial_use === 'yes' || im.commercial_use === 'conditional') && im.license_status !== 'preview')) &&
        (!q.since || im.created_at >= q.since) &&
        (!q.until || im.created_at < q.until) &&
        matchesSearch(im, parsed.search));
      rows.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1));
      if (q.order === 'oldest_first') rows.reverse();
      return { rows };
    }
    const searchFailure = (problem) => fail('invalid_input', `${problem.message} (characters ${problem.start}-${problem.end} of the search)`);

    /** The images a Selection names; a missing id fails the whole action, as in core. */
    function selectionOf(sel) {
      if (sel?.kind === 'ids') {
        const found = [];
        for (const id of sel.ids) {
          const im = images.find((x) => x.id === id && !x.deleted);
          if (!im) return { error: fail('not_found', `Image ${id} was not found.`) };
          found.push(im);
        }
        return { images: [...new Set(found)] };
      }
      if (sel?.kind === 'search') {
        const m = matching(sel.query);
        return m.problem ? { error: searchFailure(m.problem) } : { images: m.rows };
      }
      return { error: fail('invalid_input', 'The selection is not valid.') };
    }

    function handleOrganising(cmd, args) {
      const withSelection = (run) => { const sel = selectionOf(args.selection); return sel.error ?? run(sel.images); };
      const findBoard = (id) => boards.find((b) => b.id === id);
      switch (cmd) {
        case 'search_keys': return SEARCH_KEYS.map(([k, help]) => ({ key: k, help }));
        case 'check_search': return parseSearch(args.text).problem ?? null;
        case 'count_images': {
          const m = matching(args.query);
          if (m.problem) return searchFailure(m.problem);
          // As core: the whole library is counted exactly; a search stops counting at 10,000.
          const any_position = anyPosition(args.query);
          if (!(args.query.text || '').trim() || any_position) return { count: m.rows.length, exact: true, any_position };
          return { count: Math.min(m.rows.length, 10000), exact: m.rows.length <= 10000, any_position };
        }
        case 'list_boards': return [...boards].sort((a, b) => key(a.name).localeCompare(key(b.name))).map(boardView);
        case 'create_board': {
          const [name, problem] = checkedName(args.name, 'board');
          if (problem) return fail('invalid_input', problem);
          if (boards.some((b) => key(b.name) === key(name))) return fail('invalid_input', `A board named "${name}" already exists; choose another name.`);
          const b = { id: boardSeq++, name, cover: null, created_at: new Date().toISOString(), images: new Set() };
          boards.push(b);
          return boardView(b);
        }
        case 'rename_board': {
          const b = findBoard(args.id);
          if (!b) return fail('not_found', `Board ${args.id} was not found.`);
          const [name, problem] = checkedName(args.name, 'board');
          if (problem) return fail('invalid_input', problem);
          if (boards.some((x) => x !== b && key(x.name) === key(name))) return fail('invalid_input', `A board named "${name}" already exists; choose another name.`);
          b.name = name;
          return boardView(b);
        }
        case 'delete_board': {
          const at = boards.findIndex((b) => b.id === args.id);
          if (at < 0) return fail('not_found', `Board ${args.id} was not found.`);
          boards.splice(at, 1);
          return null;
        }
        case 'set_board_cover': {
          const b = findBoard(args.id);
          if (!b) return fail('not_found', `Board ${args.id} was not found.`);
          b.cover = args.image;
          return boardView(b);
        }
        case 'add_to_board': case 'remove_from_board': {
          const b = findBoard(args.id);
          if (!b) return fail('not_found', `Board ${args.id} was not found.`);
          return withSelection((ims) => {
            let n = 0;
            for (const im of ims) {
              if (cmd === 'add_to_board' && !b.images.has(im.id)) { b.images.add(im.id); n++; }
              if (cmd === 'remove_from_board' && b.images.delete(im.id)) n++;
            }
            return n;
          });
        }
        case 'list_tags': {
          const ids = liveIds();
          const prefix = key(args.prefix ?? '');
          return [...tags.values()]
            .map((t) => ({ name: t.name, count: [...t.images].filter((id) => ids.has(id)).length }))
            .filter((t) => t.count > 0 && key(t.name).startsWith(prefix))
            .sort((a, b) => b.count - a.count || key(a.name).localeCompare(key(b.name)))
            .slice(0, Math.max(1, args.limit));
        }
        case 'add_tags': return withSelection((ims) => {
          let n = 0;
          for (const raw of args.names) {
            const [name, problem] = checkedName(raw, 'tag');
            if (problem) return fail('invalid_input', problem);
            if (!tags.has(key(name))) tags.set(key(name), { name, images: new Set() });
            const t = tags.get(key(name));
            for (const im of ims) if (!t.images.has(im.id)) { t.images.add(im.id); n++; }
          }
          return n;
        });
        case 'remove_tags': return withSelection((ims) => {
          let n = 0;
          for (const name of args.names) {
            const t = tags.get(key(name));
            if (t) for (const im of ims) if (t.images.delete(im.id)) n++;
          }
          return n;
        });
        case 'rename_tag': {
          const from = tags.get(key(args.from));
          if (!from) return fail('not_found', `Tag "${args.from.trim()}" was not found.`);
          const [name, problem] = checkedName(args.to, 'tag');
          if (problem) return fail('invalid_input', problem);
          const into = tags.get(key(name));
          tags.delete(key(args.from));
          if (into && into !== from) for (const id of from.images) into.images.add(id);
          else tags.set(key(name), { name, images: from.images });
          const t = tags.get(key(name));
          return { name: t.name, count: t.images.size };
        }
        case 'set_rating': {
          if (!Number.isInteger(args.rating) || args.rating < 0 || args.rating > 5) return fail('invalid_input', `A rating goes from 0 to 5; ${args.rating} was given.`);
          return withSelection((ims) => ims.filter((im) => im.rating !== args.rating && (im.rating = args.rating, true)).length);
        }
        case 'set_note': {
          if (!images.some((x) => x.id === args.id && !x.deleted)) return fail('not_found', `Image ${args.id} was not found.`);
          if (args.note.trim()) notes.set(args.id, args.note); else notes.delete(args.id);
          return null;
        }
        case 'image_organisation': {
          const im = images.find((x) => x.id === args.id && !x.deleted);
          if (!im) return fail('not_found', `Image ${args.id} was not found.`);
          return {
            rating: im.rating ?? 0,
            note: notes.get(im.id) ?? null,
            boards: boards.filter((b) => b.images.has(im.id)).sort((a, b) => key(a.name).localeCompare(key(b.name))).map((b) => ({ id: b.id, name: b.name })),
            tags: [...tags.values()].filter((t) => t.images.has(im.id)).map((t) => t.name).sort((a, b) => key(a).localeCompare(key(b))),
          };
        }
        case 'list_saved_searches': return [...saved].sort((a, b) => key(a.name).localeCompare(key(b.name)));
        case 'save_search': {
          const [name, problem] = checkedName(args.name, 'saved search');
          if (problem) return fail('invalid_input', problem);
          const query = args.query.trim();
          if (!query) return fail('invalid_input', 'The search to save is empty.');
          const parsed = parseSearch(query);
          if (parsed.problem) return searchFailure(parsed.problem);
          const existing = saved.find((x) => key(x.name) === key(name));
          if (existing) Object.assign(existing, { name, query });
          else saved.push({ id: savedSeq++, name, query, created_at: new Date().toISOString() });
          return saved.find((x) => key(x.name) === key(name));
        }
        case 'delete_saved_search': {
          const at = saved.findIndex((x) => key(x.name) === key(args.name));
          if (at < 0) return fail('not_found', `Saved search "${args.name}" was not found.`);
          saved.splice(at, 1);
          return null;
        }
        // Look-alikes: core compares perceptual hashes; the fake takes its groups from the
        // `duplicates` option (by default a few images that share a subject).
        case 'near_duplicates': {
          const ids = liveIds();
          const groups = o.duplicates ?? [['img-000001', 'img-000013', 'img-000025'], ['img-000004', 'img-000016']];
          return groups
            .map((g) => g.filter((id) => ids.has(id)))
            .filter((g) => g.length > 1)
            .map((g) => ({ ids: g, images: g.map((id) => summary(images.find((im) => im.id === id))) }));
        }
        case 'selection_ids': return withSelection((ims) => ims.map((im) => im.id));
        case 'set_favorites': return withSelection((ims) => ims.filter((im) => im.favorite !== args.favorite && (im.favorite = args.favorite, true)).length);
        case 'delete_selection': return withSelection((ims) => {
          const token = trashSeq++;
          let count = 0;
          for (const im of ims) if (!im.deleted) { im.deleted = true; im.trash = token; count++; }
          return { token, count };
        });
        case 'undo_delete': {
          const back = images.filter((im) => im.deleted && im.trash === args.batch.token);
          if (back.length === 0 && args.batch.count > 0) return fail('not_found', 'The deleted images of this batch (they may have been purged) was not found.');
          for (const im of back) { im.deleted = false; im.trash = undefined; }
          return back.length;
        }
        default: return undefined;
      }
    }

    // As core: a page is the rows after a (created_at, id) key, never an offset, so a cursor
    // still works when its own row is gone; the cursor is opaque; limits are clamped to 1..500.
    const MAX_LIMIT = 500;
    const encodeCursor = (im) => btoa(`${im.created_at}|${im.id}`).replace(/=+$/, '');
    function decodeCursor(cursor) {
      try {
        const [created_at, id] = atob(cursor).split('|');
        return created_at && id ? { created_at, id } : null;
      } catch {
        return null;
      }
    }
    const beforeKey = (a, b) => (a.created_at === b.created_at ? (a.id === b.id ? 0 : a.id > b.id ? 1 : -1) : a.created_at > b.created_at ? 1 : -1);

    function listImages(q) {
      const m = matching(q);
      if (m.problem) return searchFailure(m.problem);
      const rows = m.rows;
      let start = 0;
      if (q.cursor) {
        const key = decodeCursor(q.cursor);
        if (!key) return fail('invalid_input', 'The page cursor is not valid; start again from the first page.');
        // Newest first: the first row strictly older than the key (oldest first: newer).
        const after = q.order === 'oldest_first' ? (im) => beforeKey(im, key) > 0 : (im) => beforeKey(im, key) < 0;
        let lo = 0;
        let hi = rows.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (after(rows[mid])) hi = mid;
          else lo = mid + 1;
        }
        start = lo;
      }
      const limit = q.limit > 0 ? Math.min(q.limit, MAX_LIMIT) : 100;
      const page = rows.slice(start, start + limit);
      const more = start + limit < rows.length;
      return { images: page.map(summary), next: more && page.length ? encodeCursor(page[page.length - 1]) : null };
    }

    // As core: the whole library, or one existing board or tag with nothing else, keeps counts
    // by time and can be entered at any position.
    function anyPosition(q) {
      if (q.provider || q.model || q.favorites_only || q.commercial_only || q.credentials || q.since || q.until) return false;
      const parsed = parseSearch(q.text || '');
      if (parsed.problem) return false;
      const s = parsed.search;
      if (s.models.length + s.providers.length > 0 || s.rating || s.favorite || s.license || s.before || s.after || s.size || s.credentials) return false;
      const text = s.words.length + s.phrases.length;
      // Words alone (a -word beside them): the search index counts them per block of rows.
      if (text > 0) return s.boards.length + s.tags.length === 0;
      if (s.excluded.length > 0) return false;
      if (s.boards.length + s.tags.length === 0) return true;
      if (s.boards.length + s.tags.length > 1) return false;
      return s.boards.length === 1 ? boards.some((b) => key(b.name) === s.boards[0]) : tags.has(s.tags[0]);
    }

    // As core: such a list is entered at a position in either order; the cursor is the key of
    // the row before it; one past the end is not found.
    function cursorAt(q, position) {
      const m = matching(q);
      if (m.problem) return searchFailure(m.problem);
      if (!anyPosition(q)) return fail('invalid_input', 'Only the whole library, a board or a tag on its own, or words alone, can be entered at a position; a search with filters is read from its first page.');
      if (!Number.isInteger(position) || position < 0) return fail('invalid_input', 'The position is not valid.');
      if (position === 0) return null;
      if (position > m.rows.length) return fail('not_found', `Position ${position} of the library (it holds fewer images) was not found.`);
      return encodeCursor(m.rows[position - 1]);
    }

    function detail(im) {
      return {
        ...summary(im),
        sha256: (im.id.replace(/\D/g, '') + 'ab').repeat(16).slice(0, 64).padEnd(64, 'f'),
        byte_size: im.width * im.height,
        revised_prompt: im.model === 'dall-e-3' ? `${im.prompt}, highly detailed, soft lighting` : null,
        seed: im.seed ?? null,
        params: im.provider === 'openai'
          ? { n: 1, size: `${im.width}x${im.height}`, quality: 'high', output_format: im.format }
          : { aspect_ratio: im.width === im.height ? '1:1' : im.width > im.height ? '3:2' : '2:3', ...(im.seed ? { seed: im.seed } : {}) },
        asset_id: im.asset_id ?? null,
        licensed_from: im.licensed_from ?? null,
        usage: { input_tokens: 42, output_tokens: 4160, total_tokens: 4202 },
        request_id: `req_${im.id}`,
        license: {
          ...license(im.commercial_use, im.created_at, im.provider),
          status: im.license_status,
          ...(im.license_transaction ? { transaction: im.license_transaction } : {}),
          // As core's licence inheritance: an edit carries its parent's terms and says which limits it.
          ...(im.parent
            ? {
                inherited: {
                  own_commercial_use: im.commercial_use,
                  parents: [{ image_id: im.parent, terms_id: 'openai-images', provider: 'openai', known: true, commercial_use: 'conditional', commercial_condition: null, indemnified: false, status: 'included', credit_line: '' }],
                  limited_by: im.limited_by ?? null,
                },
              }
            : {}),
        },
        generation_status: 'succeeded',
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

    function runJob(jobId, request, channelId, decorate = null) {
      const t = (ms) => ms / o.speed;
      const ev = (stage, extra = {}) => ({ job_id: jobId, stage, attempt: null, retry_in_ms: null, generation_id: null, image_ids: [], error: null, step: null, total_steps: null, eta_ms: null, preview: null, note: null, ...extra });
      const script = [];
      const p = request.prompt;
      script.push([0, ev('queued')]);
      let held = 0;
      if (/held/.test(p)) {
        held = t(5000);
        script.push([t(100), ev('held', { retry_in_ms: 5000 })]);
      }
      script.push([held + t(200), ev('sending', { attempt: 1 })]);
      // Asynchronous providers accept the job, then Easel checks on it.
      if (request.provider !== 'openai') {
        script.push([held + t(300), ev('processing', { attempt: 1 })], [held + t(350), ev('processing', { attempt: 2 })]);
      }
      if (/fail:rate/.test(p)) script.push([held + t(500), ev('failed', { error: { code: 'rate_limited', message: `${providerInfo(request.provider).name} is rate limiting requests. Wait a minute and try again.` } })]);
      else if (/fail:quota/.test(p)) script.push([t(500), ev('failed', { error: { code: 'quota_exhausted', message: 'You exceeded your current quota, please check your plan and billing details.' } })]);
      else if (/fail:safety/.test(p)) script.push([t(500), ev('failed', { error: { code: 'rejected_by_safety', message: 'Your request was rejected by the safety system.' } })]);
      else if (/fail:auth/.test(p)) script.push([t(500), ev('failed', { error: { code: 'auth', message: 'Incorrect API key provided.' } })]);
      else {
        let at = held + t(400);
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
          const ratio = /^(\d+):(\d+)$/.exec(request.params.aspect_ratio || '');
          const [w, h] = ratio ? [Number(ratio[1]) * 128, Number(ratio[2]) * 128] : (request.params.size || '1024x1024').split('x').map(Number);
          const ids = [];
          // Like a disk that fills up midway: only `storeAtMost` of the answer are stored.
          const stored = Math.min(n, o.storeAtMost ?? n);
          for (let k = 0; k < stored; k++) {
            const im = makeImage(nextImage++, Date.now());
            Object.assign(im, {
              prompt: request.prompt, provider: request.provider, model: request.model, width: w || 1024, height: h || 1024, favorite: false, commercial_use: 'yes', generation_id: `gen-${jobId}`,
              filtered: /filtered/.test(request.prompt), license_status: request.provider === 'getty' ? 'preview' : 'included', license_transaction: null, licensed_from: null,
              seed: request.params.seed ?? null, asset_id: request.provider === 'getty' ? `getty-new-${k}` : null,
            });
            if (decorate) decorate(im);
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

    // ---- Issue 8/9 UI: state and helpers for local engines and edits ----
    let endpoints = structuredClone(o.endpoints ?? []).map((e) => ({ username: null, capabilities: null, workflows: [], password: null, ...e }));
    const declaredLicenses = {};
    /** Every start_edit request, as sent (mask strokes included), for the tests to check. */
    const edits = [];
    const endpointView = (e) => {
      const { password, ...rest } = e;
      return structuredClone({ ...rest, password_set: password !== null, password_source: password !== null ? 'keychain' : null, password_env: `EASEL_ENDPOINT_${e.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD` });
    };
    const WORKFLOW_GRAPH = {
      3: { class_type: 'KSampler', inputs: { seed: 1, steps: 20, cfg: 7, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
      4: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
      5: { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
      6: { class_type: 'CLIPTextEncode', inputs: { text: 'a cat', clip: ['4', 1] }, _meta: { title: 'Positive' } },
      7: { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['4', 1] }, _meta: { title: 'Negative' } },
      8: { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
      9: { class_type: 'SaveImage', inputs: { filename_prefix: 'easel', images: ['8', 0] } },
    };
    function checkpointTerms(endpoint, checkpoint) {
      const base = license('yes', new Date().toISOString());
      const name = checkpoint.toLowerCase();
      const declared = declaredLicenses[name];
      if (declared) return { ...base, id: `declared:${declared.license}`, known: true, provider: endpoint, covers: `${checkpoint} (licence declared by you)`, commercial_use: declared.commercial_use };
      if (name.startsWith('sd_xl')) return { ...base, id: 'creativeml-openrail-plus-plus-m', known: true, provider: endpoint, covers: 'SDXL 1.0 (CreativeML OpenRAIL++-M)', commercial_use: 'conditional' };
      if (name.startsWith('v1-5')) return { ...base, id: 'creativeml-openrail-m', known: true, provider: endpoint, covers: 'Stable Diffusion 1.5 (CreativeML OpenRAIL-M)', commercial_use: 'conditional' };
      return { ...license('unknown', new Date().toISOString()), provider: endpoint };
    }
    /** As the shell's endpoint_catalog: each endpoint a provider, its checkpoints the models
     *  (none when it does not answer), with the parameters core's data gives its kind. */
    function endpointProviders() {
      const p = (name, label, kind, extra = {}) => ({ name, label, kind, values: [], default: null, min: null, max: null, max_chars: null, step: null, help: '', ...extra });
      const sizes = ['512x512', '768x768', '1024x1024', '1152x896', '896x1152'];
      return endpoints.map((e) => {
        const down = /:9(\/|$)/.test(e.url) || /noapi/.test(e.url) || (e.username && e.password !== 'secret');
        const checkpoints = down ? [] : e.kind === 'openai-compatible' ? ['stablediffusion'] : ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors', 'myMix_v3.safetensors'];
        const parameters = [
          ...(e.kind === 'comfyui' ? [p('workflow', 'Workflow', 'choice', { values: ['txt2img', ...e.workflows.map((w) => w.name)], default: 'txt2img' })] : []),
          p('n', 'Images', 'integer', { min: 1, max: 16, default: 1 }),
          p('size', 'Size', 'size', { values: sizes, default: '1024x1024' }),
          p('steps', 'Steps', 'integer', { min: 1, max: 150 }),
          ...(e.kind !== 'openai-compatible'
            ? [
                p('cfg_scale', 'CFG scale', 'decimal', e.kind === 'a1111' ? { min: 1, max: 30, step: 0.5 } : { min: 0, max: 100, step: 0.5 }),
                p('seed', 'Seed', 'integer', { min: 0, max: 4294967295 }),
              ]
            : []),
          p('negative_prompt', 'Negative prompt', 'text', { max_chars: 10000, help: 'What the image should not show' }),
        ];
        const summary = (c) => {
          const t = checkpointTerms(e.name, c);
          return { terms_id: t.id, covers: t.covers, commercial_use: t.commercial_use, indemnified: false, commercially_safe: false, not_safe_because: 'its terms offer no indemnity for the images', terms_url: t.terms_url };
        };
        return {
          id: e.name, name: e.name, key_env_var: endpointView(e).password_env, default_base_url: e.url, default_model: checkpoints[0] ?? '', configured: checkpoints.length > 0, credentials: [],
          limits: { concurrent_jobs: 1, requests: null, lockout_after_rate_limit_ms: null },
          models: checkpoints.map((c) => ({ id: c, label: c, family: e.kind, notes: '', prompt_max_chars: 10000, parameters, credits_per_image: null, custom_size: null, transparent_background_formats: [], compression_formats: [], legacy: false, license: summary(c), edits: [] })),
          edit_models: [],
        };
      });
    }
    /** As the shell's catalogue view: every model that can change an image, with its operations. */
    function withEditModels(providers) {
      const spec = (operation, label, prompt, mask, extra = {}) => ({ operation, label, endpoint: null, prompt, prompt_max_chars: null, mask, max_images: 1, image_formats: ['png', 'jpeg', 'webp'], max_image_bytes: 50000000, max_mask_bytes: null, max_request_bytes: null, square: false, min_side: null, min_pixels: null, max_pixels: null, max_aspect_ratio: null, max_extend: null, needs_asset_id: false, credits_per_image: null, parameters: [], ...extra });
      const param = (name, label, kind, extra = {}) => ({ name, label, kind, values: [], default: null, min: null, max: null, max_chars: null, step: null, help: '', ...extra });
      // As core's openai.json: an edit takes the generate options (sizes as plain choices), and
      // input fidelity on the models that have it.
      const gptEditParams = (m) => [
        param('n', 'Images', 'integer', { min: 1, max: 10 }),
        param('size', 'Size', 'choice', { values: ['auto', '1024x1024', '1536x1024', '1024x1536'] }),
        param('quality', 'Quality', 'choice', { values: ['auto', 'low', 'medium', 'high'] }),
        param('background', 'Background', 'choice', { values: ['auto', 'opaque', 'transparent'] }),
        param('output_format', 'Format', 'choice', { values: ['png', 'jpeg', 'webp'], default: 'png' }),
        param('output_compression', 'Compression', 'integer', { min: 0, max: 100 }),
        ...(m.id === 'gpt-image-1-mini' ? [] : [param('input_fidelity', 'Input fidelity', 'choice', { values: ['high', 'low'], default: 'low' })]),
      ];
      const dalle2Params = [param('n', 'Images', 'integer', { min: 1, max: 10 }), param('size', 'Size', 'choice', { values: ['256x256', '512x512', '1024x1024'], default: '1024x1024' })];
      return providers.map((p) => {
        const edit_models = [];
        for (const m of p.models) {
          const edits = p.id === 'openai' && m.family === 'gpt-image' ? [spec('edit', 'Edit', 'required', 'optional', { max_images: 16, parameters: gptEditParams(m) })]
            : m.id === 'dall-e-2' ? [spec('edit', 'Edit', 'required', 'optional', { square: true, parameters: dalle2Params }), spec('variation', 'Variations', 'none', 'none', { square: true, parameters: dalle2Params })]
              : p.id === 'getty' ? [spec('variation', 'Variations', 'none', 'none', { needs_asset_id: true }), spec('refine', 'Refine', 'optional', 'required', { needs_asset_id: true })] : [];
          m.edits = edits;
          if (edits.length) edit_models.push(m);
        }
        if (p.id === 'stability') {
          edit_models.push({ ...p.models[0], id: 'stable-image-edit', label: 'Stable Image Edit', parameters: [], credits_per_image: 4, edits: [
            spec('inpaint', 'Inpaint', 'required', 'optional'), spec('outpaint', 'Outpaint', 'optional', 'none', { max_extend: 2000 }), spec('erase', 'Erase', 'none', 'optional'),
            spec('search_and_replace', 'Search and replace', 'required', 'none'), spec('remove_background', 'Remove background', 'none', 'none'),
          ] });
        }
        return { ...p, edit_models };
      });
    }
    // ---- end of issue 8/9 UI helpers ----

    async function handle(cmd, args = {}) {
      calls.push({ cmd, args });
      if (cmd === 'library_open_stage') {
        return o.openFailure ? { stage: 'failed' } : o.upgrade ? { stage: 'upgrading', ...o.upgrade } : { stage: 'open' };
      }
      while (o.upgrade) await new Promise((r) => setTimeout(r, 20));
      if (o.openFailure && !['library_open_failure', 'restart_app', 'quit_app'].includes(cmd)) {
        // As the shell's open gate answers every other command when the library could not be opened.
        throw { code: o.openFailure.code, message: o.openFailure.message };
      }
      switch (cmd) {
        case 'library_open_failure': return o.openFailure ? structuredClone(o.openFailure) : null;
        case 'quit_app': return null;
        case 'get_catalog': return withEditModels(catalog(o, creds));
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
          creds[args.provider].api_key = stored(true, o.keychainAvailable ? 'keychain' : 'file');
          syncKeyStatus();
          return structuredClone(settings);
        }
        case 'delete_api_key':
          for (const f of Object.keys(creds[args.provider] || {})) if (creds[args.provider][f].source !== 'env') creds[args.provider][f] = stored(false);
          syncKeyStatus();
          return structuredClone(settings);
        case 'set_credential': {
          const fields = creds[args.provider];
          if (!fields) return fail('invalid_input', `Unknown provider "${args.provider}".`);
          if (!(args.field in fields)) return fail('invalid_input', `${providerInfo(args.provider).name} has no credential "${args.field}"; it takes ${Object.keys(fields).join(', ')}.`);
          if (!args.value || args.value.length < 8) return fail('invalid_input', 'That does not look like a credential.');
          // An environment variable still wins over what is stored.
          if (fields[args.field].source !== 'env') fields[args.field] = stored(true, o.keychainAvailable ? 'keychain' : 'file');
          syncKeyStatus();
          return credentialsView(args.provider);
        }
        case 'delete_credentials': {
          const fields = creds[args.provider];
          if (!fields) return fail('invalid_input', `Unknown provider "${args.provider}".`);
          for (const f of Object.keys(fields)) if (fields[f].source !== 'env') fields[f] = stored(false);
          syncKeyStatus();
          return credentialsView(args.provider);
        }
        case 'credential_status':
          return creds[args.provider] ? credentialsView(args.provider) : fail('invalid_input', `Unknown provider "${args.provider}".`);
        case 'test_provider': {
          if (o.testProviderError) return fail(o.testProviderError.code, o.testProviderError.message);
          const p = providerInfo(args.provider);
          if (!p) return fail('invalid_input', `Unknown provider "${args.provider}".`);
          const missing = p.credentials.find((f) => !f.present);
          if (missing) return fail('auth', `No ${missing.label} is set for ${p.name}. Add it in Settings (or set ${missing.env_var}).`);
          // As core's clients: Stability has no free check of a key; the others do.
          return {
            verified: args.provider !== 'stability',
            models: args.provider === 'openai' ? o.accessibleModels.slice() : p.models.map((m) => m.id),
          };
        }
        case 'start_generation': {
          const target = providerInfo(args.request.provider);
          if (!target) return fail('invalid_input', `Unknown provider "${args.request.provider}".`);
          if (!target.configured) return fail('auth', `${target.name} is not set up.`);
          const ch = args.onEvent;
          const channelId = typeof ch === 'string' ? Number(ch.split(':')[1]) : ch && typeof ch.id === 'number' ? ch.id : null;
          if (channelId === null) return fail('invalid_input', 'start_generation needs an onEvent channel.');
          const jobId = `job-${jobSeq++}`;
          runJob(jobId, args.request, channelId);
          return jobId;
        }
        case 'start_variations': {
          const im = images.find((x) => x.id === args.imageId && !x.deleted);
          if (!im) return fail('not_found', `Image ${args.imageId} was not found.`);
          const ch = args.onEvent;
          const channelId = typeof ch === 'string' ? Number(ch.split(':')[1]) : ch && typeof ch.id === 'number' ? ch.id : null;
          if (channelId === null) return fail('invalid_input', 'start_variations needs an onEvent channel.');
          const jobId = `job-${jobSeq++}`;
          runJob(jobId, { provider: im.provider, model: im.model, prompt: im.prompt, params: {} }, channelId);
          return jobId;
        }
        // As core's library: lineage is recorded by edits and variations, which the fake
        // answers from each image's optional `parent` and `operation`.
        case 'version_tree': {
          const im = images.find((x) => x.id === args.id && !x.deleted);
          if (!im) return fail('not_found', `Image ${args.id} was not found.`);
          const live = images.filter((x) => !x.deleted);
          const parent = im.parent && live.some((x) => x.id === im.parent) ? im.parent : null;
          return {
            derivation: im.parent ? { operation: { kind: im.operation ?? 'variation' }, inputs: [{ position: 0, role: 'source', image_id: im.parent, sha256: 'f'.repeat(64), format: 'png' }], mask_sha256: null } : null,
            parent,
            siblings: im.parent ? live.filter((x) => x.parent === im.parent && x.id !== im.id).map((x) => x.id) : [],
            children: live.filter((x) => x.parent === im.id).map((x) => x.id),
          };
        }
        case 'stack_counts': {
          // Children by parent, once per call: a page of 10,000 ids over 100,000 images.
          const kids = new Map();
          for (const x of images) if (!x.deleted && x.parent) kids.set(x.parent, [...(kids.get(x.parent) ?? []), x.id]);
          const count = (id) => (kids.get(id) ?? []).reduce((n, c) => n + 1 + count(c), 0);
          return args.ids.map((id) => ({ image_id: id, count: count(id) })).filter((c) => c.count > 0);
        }
        case 'cancel_job': {
          const job = jobs.get(args.jobId);
          if (!job) return fail('not_found', 'The job was not found.');
          setTimeout(() => job.cancel(), 50 / o.speed);
          return null;
        }
        case 'cursor_at':
          if (o.listDelayMs > 0) await new Promise((r) => setTimeout(r, o.listDelayMs));
          return cursorAt(args.query, args.position);
        case 'list_images':
          // A slow disk or a busy core: pages arrive late (browser tests look at placeholders).
          if (o.listDelayMs > 0) await new Promise((r) => setTimeout(r, o.listDelayMs));
          return listImages(args.query);
        case 'image_credentials': case 'read_image_credentials': {
          const im = images.find((x) => x.id === args.id && !x.deleted);
          if (!im) return fail('not_found', `Image ${args.id} was not found.`);
          if (cmd === 'read_image_credentials') unread.delete(im.id);
          return credentialsReport(im);
        }
        case 'signing_status': return signingStatus();
        case 'choose_import_folder': return o.importPick === null ? null : '/home/user/Pictures/sd-outputs';
        case 'choose_import_files': return o.importPick === null ? [] : ['/home/user/Pictures/one.png', '/home/user/Pictures/two.webp'];
        case 'cancel_import': if (importRun) importRun.cancelled = true; return null;
        case 'import_images': {
          const ch = args.onEvent;
          const channelId = typeof ch === 'string' ? Number(ch.split(':')[1]) : ch && typeof ch.id === 'number' ? ch.id : null;
          if (channelId === null) return fail('invalid_input', 'import_images needs an onEvent channel.');
          if (!args.paths?.length) return fail('invalid_input', 'Name at least one file or folder to import.');
          if (importRun && !importRun.done) return fail('invalid_input', 'An import is already running; wait for it or cancel it first.');
          return runImport(args.paths, !!args.recursive, channelId);
        }
        case 'import_origin': {
          const im = images.find((x) => x.id === args.id && !x.deleted);
          if (!im) return fail('not_found', `Image ${args.id} was not found.`);
          return im.imported ?? null;
        }
        case 'set_signing_enabled': signing.enabled = !!args.enabled; return signingStatus();
        case 'choose_signing_file':
          if (o.signingPick === null) return null;
          if (args.file === 'certificate_chain') return o.signingChain ?? '/home/user/keys/studio-chain.pem';
          // Each pick of a key takes the next of `signingKeys` (the last one repeats).
          keyPicks += 1;
          return o.signingKeys?.[Math.min(keyPicks, o.signingKeys.length) - 1] ?? '/home/user/keys/studio-key.pem';
        case 'set_organisation_signing': {
          // Like core: read both files, then test-sign; a key that is not the certificate's fails.
          if (/missing/.test(args.certPath)) return fail('not_found', `${args.certPath} was not found.`);
          if (/ca-only/.test(args.certPath)) return fail('signing', 'Files signed with this certificate would not read as valid (signingCredential.invalid). C2PA needs an end-entity certificate (not a CA) with the digitalSignature key usage and an extended key usage such as documentSigning or emailProtection, followed by its CA.');
          if (/other|wrong/.test(args.keyPath)) return fail('signing', 'The signing certificate and key cannot sign (the private key does not belong to the signing certificate).');
          Object.assign(signing, { kind: 'organisation', subject: o.signingSubject ?? 'CN=Example Studio Signing, O=Example Studio Ltd, C=GB', certificate_file: '/home/user/.config/easel/signing/organisation-chain.pem' });
          return signingStatus();
        }
        case 'clear_organisation_signing': Object.assign(signing, { kind: 'installation', subject: 'Easel on this computer' }); return signingStatus();
        case 'get_image': {
          const im = images.find((x) => x.id === args.id && !x.deleted);
          return im ? detail(im) : fail('not_found', `Image ${args.id} was not found.`);
        }
        case 'download_sizes': {
          const im = images.find((x) => x.id === args.imageId && !x.deleted);
          if (!im) return fail('not_found', `Image ${args.imageId} was not found.`);
          if (im.license_status !== 'preview') return fail('invalid_input', 'Only a preview can be licensed.');
          return [
            { name: '1k', width: 1024, height: 1024 },
            { name: '4k', width: 4096, height: 4096 },
          ];
        }
        case 'license_image': {
          const preview = images.find((x) => x.id === args.imageId && !x.deleted);
          if (!preview) return fail('not_found', `Image ${args.imageId} was not found.`);
          const side = args.size === '4k' ? 4096 : 1024;
          const licensed = {
            ...preview,
            id: `${preview.id}-licensed-${args.size}`,
            width: side,
            height: side,
            license_status: 'licensed',
            license_transaction: { generated_asset_id: `GA-${preview.id}`, size_name: args.size, licensed_at: new Date().toISOString() },
            licensed_from: preview.id,
            created_at: new Date().toISOString(),
          };
          images.unshift(licensed);
          return detail(licensed);
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
        case 'move_library': {
          const live = images.filter((im) => !im.deleted);
          if (live.some((im) => im.damaged)) return fail('damaged', 'The original file of an image is damaged; the library was not moved.');
          const from = settings.data_dir;
          settings.data_dir = '/media/user/Disk/Easel library';
          previousLibrary = from;
          return { images: live.length, originals: live.length, bytes: live.length * 1_500_000, from, to: settings.data_dir };
        }
        case 'previous_library': return o.previousLibrary ?? null;
        case 'remove_previous_library': {
          if (!o.previousLibrary) return fail('not_found', 'An old copy of the library was not found.');
          const removed = o.previousLibrary;
          o.previousLibrary = null;
          return removed;
        }
        case 'restart_app': return null;
        case 'export_images': {
          const p = await plan(args.ids, args.options);
          const ext = args.options.format === 'original' ? 'png' : args.options.format;
          const signed = signing.enabled && args.options.sign !== false && args.options.format !== 'original'
            ? { signer: signing.kind, subject: signing.subject, what_others_see: signingStatus().what_others_see } : null;
          return { files: args.ids.map((id) => ({ image_id: id, path: `${args.outDir}/${id}.${ext}`, width: p.width, height: p.height, format: ext, bytes: p.estimated_bytes, content_credentials: signed })), csv_path: args.ids.length > 1 ? `${args.outDir}/easel-export.csv` : null, flags: p.flags };
        }
        case 'plugin:clipboard-manager|write_text': case 'plugin:opener|open_url': return null;
        // ---- Issue 8/9 UI: local engines (endpoints, workflows, checkpoint licences) and edits ----
        case 'list_endpoints': return endpoints.map(endpointView);
        case 'save_endpoint': {
          const e = args.endpoint;
          const name = String(e.name ?? '').trim();
          if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/.test(name)) return fail('invalid_input', `The endpoint name ${JSON.stringify(name)} must be 1-40 letters, digits, '-' or '_', starting with a letter or digit (e.g. studio-comfy).`);
          if (['openai', 'stability', 'getty', 'firefly'].includes(name.toLowerCase())) return fail('invalid_input', `"${name}" is the name of a hosted provider; choose another name for the endpoint.`);
          if (!/^https?:\/\/[^\s/@]+/i.test(String(e.url ?? '').trim())) return fail('invalid_input', `The URL ${JSON.stringify(e.url)} is not an http(s) address (e.g. http://127.0.0.1:8188).`);
          const old = endpoints.find((x) => x.name === name);
          const saved = {
            name, kind: e.kind, url: String(e.url).trim().replace(/\/+$/, ''), username: (e.username ?? '').trim() || null,
            capabilities: e.kind === 'openai-compatible' ? { preset: e.preset ?? 'generic', models_listing: true, response_format: true, n: true, size: true, negative_prompt_after_bar: false, step: false, partial_images: 0 } : null,
            workflows: old && old.kind === 'comfyui' && e.kind === 'comfyui' ? old.workflows : [],
            password: args.password != null ? String(args.password) : (old?.password ?? null),
          };
          endpoints = [...endpoints.filter((x) => x.name !== name), saved].sort((a, b) => a.name.localeCompare(b.name));
          return endpointView(saved);
        }
        case 'remove_endpoint': {
          if (!endpoints.some((x) => x.name === args.name)) return fail('not_found', `The endpoint "${args.name}" was not found.`);
          endpoints = endpoints.filter((x) => x.name !== args.name);
          return null;
        }
        case 'test_endpoint': case 'endpoint_models': {
          const e = endpoints.find((x) => x.name === args.name);
          if (!e) return fail('not_found', `The endpoint "${args.name}" was not found.`);
          // As core's clients: port 9 is "nothing listening", a path with "noapi" an A1111 without --api.
          if (/:9(\/|$)/.test(e.url)) {
            const start = e.kind === 'a1111' ? 'Start the WebUI with --api (add it to COMMANDLINE_ARGS in webui-user), or correct the endpoint\'s URL' : e.kind === 'comfyui' ? 'Start ComfyUI (add --listen to reach it from another machine), or correct the endpoint\'s URL' : 'Start the server, or correct the endpoint\'s URL (it usually ends in /v1)';
            return fail('engine_unreachable', `Nothing answers at ${e.url} (${e.kind}, endpoint "${e.name}"). ${start}.`);
          }
          if (/noapi/.test(e.url)) return fail('engine_api_off', `The server at ${e.url} answers, but has no API (404 for the models): AUTOMATIC1111 and Forge serve /sdapi/v1 only when started with --api. Add --api to COMMANDLINE_ARGS (webui-user.bat or webui-user.sh) and restart it.`);
          if (e.username && e.password !== 'secret') return fail('auth', `${e.name} refused the user name and password (HTTP 401). Correct them in Settings.`);
          const models = e.kind === 'openai-compatible' ? ['stablediffusion'] : ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors', 'myMix_v3.safetensors'];
          return cmd === 'endpoint_models' ? models : { verified: true, models };
        }
        case 'endpoint_catalog': return endpointProviders();
        case 'checkpoint_terms': return args.checkpoints.map((c) => checkpointTerms(args.endpoint, c));
        case 'declared_checkpoint_licenses': return Object.entries(declaredLicenses).map(([checkpoint, license]) => ({ checkpoint, license }));
        case 'declare_checkpoint_license': {
          const key = String(args.checkpoint).trim().toLowerCase();
          if (!key) return fail('invalid_input', 'Name the checkpoint (its file name or hash).');
          if (args.license === null) { delete declaredLicenses[key]; return null; }
          if (!String(args.license.license ?? '').trim()) return fail('invalid_input', 'Name the licence.');
          if (args.license.terms_url && !/^https?:\/\//.test(args.license.terms_url)) return fail('invalid_input', 'The licence URL must start with https:// or http://.');
          declaredLicenses[key] = { ...args.license };
          return null;
        }
        case 'import_workflow': {
          const e = endpoints.find((x) => x.name === args.endpoint);
          if (!e) return fail('not_found', `The endpoint "${args.endpoint}" was not found.`);
          if (e.kind !== 'comfyui') return fail('invalid_input', `${e.name} is not a ComfyUI endpoint; workflows are for ComfyUI endpoints.`);
          // The file the test "chose": o.workflowFile is 'api' (default), 'ui' (UI format) or null (cancelled).
          if (o.workflowFile === null) return null;
          if (o.workflowFile === 'ui') return fail('workflow', 'portrait.json holds a ComfyUI workflow in the UI format (nodes and links, as ComfyUI saves it for its canvas), which ComfyUI\'s API does not run. Export it in the API format and import that file instead: in ComfyUI choose Workflow → Export (API).');
          const wf = { name: String(args.name).trim(), graph: WORKFLOW_GRAPH, mapping: { prompt: { node: '6', input: 'text' }, negative_prompt: { node: '7', input: 'text' }, seed: { node: '3', input: 'seed' }, width: { node: '5', input: 'width' }, height: { node: '5', input: 'height' }, batch_size: { node: '5', input: 'batch_size' }, steps: { node: '3', input: 'steps' }, cfg: { node: '3', input: 'cfg' }, sampler: { node: '3', input: 'sampler_name' }, scheduler: { node: '3', input: 'scheduler' }, checkpoint: null } };
          e.workflows = [...e.workflows.filter((w) => w.name !== wf.name), wf];
          return structuredClone(wf);
        }
        case 'correct_workflow_mapping': {
          const e = endpoints.find((x) => x.name === args.endpoint);
          const wf = e?.workflows.find((w) => w.name === args.name);
          if (!wf) return fail('not_found', `The workflow "${args.name}" of ${args.endpoint} was not found.`);
          for (const [param, target] of Object.entries(args.corrections)) {
            if (target && !(WORKFLOW_GRAPH[target.node]?.inputs ?? {})[target.input]) return fail('invalid_input', `Node ${JSON.stringify(target.node)} has no input ${JSON.stringify(target.input)}.`);
            wf.mapping[param] = target;
          }
          if (!wf.mapping.prompt) return fail('invalid_input', 'The prompt must be mapped to an input.');
          return structuredClone(wf);
        }
        case 'remove_workflow': {
          const e = endpoints.find((x) => x.name === args.endpoint);
          if (!e || !e.workflows.some((w) => w.name === args.name)) return fail('not_found', `The workflow "${args.name}" of ${args.endpoint} was not found.`);
          e.workflows = e.workflows.filter((w) => w.name !== args.name);
          return null;
        }
        case 'start_edit': {
          const r = args.request;
          const im = images.find((x) => x.id === r.image_id && !x.deleted);
          if (!im) return fail('not_found', `Image ${r.image_id} was not found.`);
          const model = withEditModels(catalog(o, creds)).find((p) => p.id === r.provider)?.edit_models.find((m) => m.id === r.model);
          const spec = model?.edits.find((e) => e.operation === r.operation.kind);
          if (!spec) return fail('invalid_input', `${r.model} of ${r.provider} cannot do ${r.operation.kind.replace(/_/g, ' ')}.`);
          if (!providerInfo(r.provider).configured) return fail('auth', `${providerInfo(r.provider).name} is not set up.`);
          if (spec.prompt === 'required' && !String(r.prompt ?? '').trim()) return fail('invalid_input', 'Say what should change.');
          const painted = (r.mask?.strokes ?? []).some((s) => !s.erase && s.points.length > 0) || r.mask?.invert;
          if (spec.mask === 'required' && !painted) return fail('invalid_input', 'Paint the area to change first.');
          for (const s of r.mask?.strokes ?? []) for (const [x, y] of s.points) if (!(x >= 0 && y >= 0 && x <= im.width && y <= im.height)) return fail('invalid_input', 'A brush point lies outside the image.');
          for (const ref of r.reference_ids ?? []) if (!images.some((x) => x.id === ref && !x.deleted)) return fail('not_found', `Image ${ref} was not found.`);
          // As core: every option is one the operation takes, with a value it allows.
          for (const [name, value] of Object.entries(r.params ?? {})) {
            const ps = spec.parameters.find((x) => x.name === name);
            if (!ps) return fail('invalid_input', `${model.label} ${spec.operation} does not take the ${name} parameter; leave it out.`);
            const ok = ps.kind === 'integer' ? Number.isInteger(value) && value >= (ps.min ?? -Infinity) && value <= (ps.max ?? Infinity) : ps.kind === 'choice' ? ps.values.includes(value) : true;
            if (!ok) return fail('invalid_input', `${ps.label}: ${model.label} does not take ${JSON.stringify(value)}.`);
          }
          const op = r.operation;
          const chosenSize = op.kind !== 'outpaint' && /^\d+x\d+$/.test(r.params?.size ?? '') ? r.params.size.split('x').map(Number) : null;
          const w = chosenSize ? chosenSize[0] : im.width + (op.kind === 'outpaint' ? op.left + op.right : 0);
          const h = chosenSize ? chosenSize[1] : im.height + (op.kind === 'outpaint' ? op.up + op.down : 0);
          const ch = args.onEvent;
          const channelId = typeof ch === 'string' ? Number(ch.split(':')[1]) : ch && typeof ch.id === 'number' ? ch.id : null;
          if (channelId === null) return fail('invalid_input', 'start_edit needs an onEvent channel.');
          const jobId = `job-${jobSeq++}`;
          // As over IPC: the request arrives as JSON.
          edits.push({ jobId, request: JSON.parse(JSON.stringify(r)) });
          runJob(jobId, { provider: r.provider, model: r.model, prompt: r.prompt || im.prompt, params: { n: r.params?.n ?? 1, size: `${w}x${h}` } }, channelId, (child) => Object.assign(child, { parent: im.id, operation: op.kind }));
          return jobId;
        }
        // ---- end of issue 8/9 UI block ----
        default: {
          const organised = handleOrganising(cmd, args);
          return organised === undefined ? fail('unknown', `The fake backend has no command ${cmd}.`) : organised;
        }
      }
    }

    /** Stops every scripted job, so that no timer fires into a torn-down test. */
    /** Where a move in this session came from (the app shows it after its restart). */
    let previousLibrary = null;

    function dispose() {
      for (const job of jobs.values()) job.timers.forEach(clearTimeout);
      jobs.clear();
    }

    return { handle, hooks, calls, images, settings, creds, options: o, dispose, edits };
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
