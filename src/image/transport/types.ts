/**
 * The transport contract, as in containers/image: a source yields one image's manifest,
 * config and blobs; a destination takes them. Archives, directories and (later) registries
 * implement these, and one copy pipeline moves images between any two.
 */
import type { Descriptor, Manifest } from '../types.ts';

export interface SourceImage {
  /** Canonical names the source gives the image (may be empty). */
  readonly names: readonly string[];
  /** An OCI layout's `org.opencontainers.image.ref.name` as written (often a bare tag). */
  readonly refName?: string;
  readonly manifest: Manifest;
  /** The manifest exactly as stored at the source (its digest is the image's digest there). */
  readonly manifestBytes: Buffer;
  readonly manifestMediaType: string;
  readonly configBytes: Buffer;
  /** The blob's bytes as described (compressed or not); the caller verifies the digest. */
  openBlob(desc: Descriptor): AsyncIterable<Uint8Array>;
}

export interface ImageSourceReader {
  /** The containers/image transport this source is (what a trust policy is keyed by). */
  readonly transport: 'oci' | 'oci-archive' | 'docker-archive' | 'dir';
  /** Every image the source holds, in the source's order. */
  images(): Promise<SourceImage[]>;
  close(): Promise<void>;
}

/** One image handed to a destination: its layers as uncompressed tars, by diffID. */
export interface DestinationImage {
  readonly names: readonly string[];
  readonly configBytes: Buffer;
  readonly diffIds: readonly string[];
  readonly diffSizes: readonly number[];
  layerTar(index: number): AsyncIterable<Uint8Array>;
}

export interface ImageDestinationWriter {
  add(image: DestinationImage): Promise<void>;
  /** Writes indexes/manifests and moves the result into place. */
  commit(): Promise<void>;
  /** Removes partial output after an error. */
  abort(): Promise<void>;
}

export type ArchiveFormat = 'docker-archive' | 'oci-archive' | 'oci-dir' | 'docker-dir';
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['docker-archive', 'oci-archive', 'oci-dir', 'docker-dir'];
