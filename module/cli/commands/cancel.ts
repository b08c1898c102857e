// `cancel <job>`: Cancel. BG_S_UNABLE_TO_DELETE_FILES is printed (exit 0).
import { jobAction } from '../job-action.js';

export default jobAction('cancel', 'cancelled', (job) => job.cancel());
