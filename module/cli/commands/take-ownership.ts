// `take-ownership <job>`: TakeOwnership (native only; the portable engine answers E_ACCESSDENIED).
import { jobAction } from '../job-action.js';

export default jobAction('takeOwnership', 'took ownership of', (job) => job.takeOwnership());
