/** A queued catalogue import (`PromotionJobs.requestCatalogueImport`): why it was asked for. */
export interface CatalogImportJob {
  reason: string;
}
