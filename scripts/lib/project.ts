import * as path from 'path';

/** Root of the repository, whichever script or test imports this. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** What to run when a tool installed by the project's setup script is missing. */
export const SETUP_HINT = 'run `bash scripts/setup.sh` (it installs npm packages, the Python venv and shellcheck)';
