/** The host platform in Go's (and so OCI's) words. */
import { arch } from 'node:process';

export function goArch(nodeArch: string = arch): string {
  switch (nodeArch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    default:
      return nodeArch;
  }
}
