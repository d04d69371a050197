// Generated test pictures for the `easel://` scheme: real PNG bytes (zlib + CRC), no fixtures.
import { crc32, deflateSync } from 'node:zlib';

const PALETTE = [
  [59, 91, 219], [230, 119, 0], [47, 158, 68], [201, 42, 42], [132, 94, 247], [12, 166, 120], [240, 140, 0], [73, 80, 87],
];

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/** A diagonal gradient with a soft disc, so thumbnails look like pictures, not flat swatches. */
export function makePng(width, height, colorIndex) {
  const [r, g, b] = PALETTE[colorIndex % PALETTE.length];
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  const cx = width * 0.62;
  const cy = height * 0.4;
  const rad = Math.min(width, height) * 0.22;
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0;
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const d = Math.hypot(x - cx, y - cy) < rad ? 1 : 0;
      const o = y * stride + 1 + x * 3;
      raw[o] = Math.min(255, r * (0.55 + 0.6 * t) + d * 90);
      raw[o + 1] = Math.min(255, g * (0.55 + 0.6 * t) + d * 90);
      raw[o + 2] = Math.min(255, b * (0.55 + 0.6 * t) + d * 60);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const SIZES = [[1024, 1024], [1536, 1024], [1024, 1536], [1792, 1024], [1024, 1792]];
const cache = new Map();

/** Bytes for `<id>/<variant>` the way the real scheme would answer, sized like the fake's images. */
export function imageFor(id, variant, jpegs) {
  const n = Number(id.replace(/\D/g, '')) || 0;
  const [w, h] = SIZES[n % SIZES.length];
  const color = n % PALETTE.length;
  const edge = variant === 'thumb-small' ? 256 : variant === 'thumb-large' ? 768 : Math.max(w, h);
  const k = edge / Math.max(w, h);
  const [tw, th] = [Math.round(w * k), Math.round(h * k)];
  if (variant === 'original' && n % 3 === 0 && jpegs?.has(`${tw}x${th}`)) {
    return { type: 'image/jpeg', body: jpegs.get(`${tw}x${th}`) };
  }
  const key = `${tw}x${th}:${color}`;
  if (!cache.has(key)) cache.set(key, makePng(tw, th, color));
  return { type: 'image/png', body: cache.get(key) };
}
