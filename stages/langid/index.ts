// Stages of stages/langid, by name (used by pipelines and `tokenmill stage <name>`).
import type { StageFactory } from '../../engine/types.ts';
import { langIdStage } from './langid.ts';

export { langIdStage, identify, langIdDefaults, type LangIdOptions } from './langid.ts';
export { getLangIdBackend, registerLangIdBackend, loadFastText, loadFastTextWasm, defaultLid176Path, type LangIdBackend, type LangPrediction } from './backend.ts';

export const stages: Record<string, StageFactory> = {
  langid: langIdStage,
};
