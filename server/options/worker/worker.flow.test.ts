import { server } from '../../index';
import { describeOptionFlow } from '../../testing/option-flow';

// Option 1 end to end: the demo sign-in, consent, the Worker's own tokens (testing/option-flow.ts).
describeOptionFlow(server, 'worker', { expect() {} });
