// `suspend <job>`: Suspend.
import { jobAction } from '../job-action.js';

export default jobAction('suspend', 'suspended', (job) => job.suspend());
