/**
 * The version this page was built from (package.json at build time, bundled as a constant). A
 * terminal says it when it connects, so the console can flag a kiosk still running an old page
 * after the server was updated.
 */
import { version } from '../../../package.json';

export const buildVersion: string = version;
