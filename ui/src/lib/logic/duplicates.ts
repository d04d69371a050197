import type { ImageSummary } from '$lib/ipc';

/** The image of a look-alike group to keep when the user has not chosen: the most pixels
 *  (a resized or recompressed copy loses detail), then a favourite, then the newest (the
 *  group comes newest first). */
export function suggestedKeep(images: ImageSummary[]): string | null {
  let best: ImageSummary | null = null;
  for (const image of images) {
    if (
      best === null ||
      image.width * image.height > best.width * best.height ||
      (image.width * image.height === best.width * best.height && image.favorite && !best.favorite)
    ) {
      best = image;
    }
  }
  return best?.id ?? null;
}

/** What tells look-alikes apart, in a line: `1024×1024 · PNG`. */
export function sizeLine(image: ImageSummary): string {
  return `${image.width}×${image.height} · ${image.format.toUpperCase()}`;
}
