// `resume <job>`: Resume. The transfer continues in the background service after the CLI exits.
import { jobAction } from '../job-action.js';

export default jobAction('resume', 'resumed', (job) => job.resume());
