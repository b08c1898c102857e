// `take-ownership <job>`: TakeOwnership (administrators; portable backends: module/service/all-users.ts moves
// another user's job into root's store; anyone else gets E_ACCESSDENIED from the engine).
import { jobAction } from '../job-action.js';

export default jobAction('takeOwnership', 'took ownership of', (job) => job.takeOwnership());
