import { describeMcpClient } from './helpers/scenarios.js';
import { sdkV1 } from './helpers/sdks.js';

describeMcpClient(sdkV1);
