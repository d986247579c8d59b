/** One entry of a kustomization.yaml `images:` list. */
export interface KustomizeImage {
  name: string;
  /** The image the cluster pulls instead of `name`, when the entry renames it. */
  newName?: string;
  /** The entry pins a version (`newTag` or `digest`), so it decides the version of `name`. */
  setsVersion: boolean;
}

/** The `images:` entries of a kustomization, by `name` (the image as the manifests write it). */
export function imagesOf(data: unknown): KustomizeImage[] {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return [];
  const images = (data as Record<string, unknown>).images;
  if (!Array.isArray(images)) return [];
  return images.flatMap((entry: unknown) => {
    if (entry === null || typeof entry !== "object") return [];
    const { name, newName, newTag, digest } = entry as Record<string, unknown>;
    if (typeof name !== "string" || name === "") return [];
    return [
      {
        name,
        ...(typeof newName === "string" && newName !== "" ? { newName } : {}),
        setsVersion: (newTag !== undefined && newTag !== null) || typeof digest === "string",
      },
    ];
  });
}
