// placeholder
import { nativeFacts } from './backends.js';
export const WINE_FACTS = nativeFacts(true);
