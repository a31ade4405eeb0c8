// The apps that exist: folders under apps/ that have a src/main.ts.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function discoverApps(root: string): Set<string> {
  const appsDir = join(root, 'apps');
  if (!existsSync(appsDir)) return new Set();
  return new Set(
    readdirSync(appsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(appsDir, entry.name, 'src', 'main.ts')))
      .map((entry) => entry.name),
  );
}

const IMAGE = /^ghcr\.io\/rapport-crm\/([a-z0-9][a-z0-9._-]*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

export interface ImageRef {
  app: string;
  tag?: string;
  digest?: string;
}

/** Parses `ghcr.io/rapport-crm/<app>[:tag][@sha256:…]`; undefined for anything else. */
export function parseRapportImage(image: string): ImageRef | undefined {
  const match = IMAGE.exec(image);
  return match ? { app: match[1], tag: match[2], digest: match[3] } : undefined;
}
