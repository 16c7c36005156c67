import type Docker from "dockerode";
import packageJson from "../../package.json" with { type: "json" };

/** The repository name of Droid's default execution image (built from `sandbox-image/`). */
export const SANDBOX_IMAGE_NAME = "droid-sandbox";

/** Droid's default execution image, tagged with Droid's version so image and code never drift. */
export const SANDBOX_IMAGE = `${SANDBOX_IMAGE_NAME}:${packageJson.version}`;

export class SandboxImageMissingError extends Error {
  readonly image: string;
  constructor(image: string) {
    super(
      image === SANDBOX_IMAGE
        ? `The sandbox image ${image} is not on the Docker engine. Build it with .ci/setup-docker.sh ` +
            `(or: docker build -t ${image} sandbox-image).`
        : `The image ${image} named in .github/droid.yml is not on the Docker engine. ` +
            `Pull or build it on the engine Droid uses, or remove \`image:\` to use ${SANDBOX_IMAGE}.`,
    );
    this.name = "SandboxImageMissingError";
    this.image = image;
  }
}

/** Throws a clear error when the image is absent (Droid never pulls: engines may be offline). */
export async function assertImagePresent(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
  } catch (error) {
    if (isNotFound(error)) throw new SandboxImageMissingError(image);
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "statusCode" in error && error.statusCode === 404;
}
