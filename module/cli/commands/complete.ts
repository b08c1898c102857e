// `complete <job>`: Complete. BG_S_PARTIAL_COMPLETE / BG_S_UNABLE_TO_DELETE_FILES are printed (exit 0).
import { jobAction } from '../job-action.js';

export default jobAction('complete', 'completed', (job) => job.complete());
