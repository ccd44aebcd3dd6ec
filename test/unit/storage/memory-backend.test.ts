import { backendContract } from '../../support/backend-contract.js';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';

backendContract('memory', async () => new MemoryBackend());
