/** A queued catalogue import (`PromotionJobs.requestCatalogueImport`): why it was asked for. */
export interface CatalogueImportJob {
  reason: string;
}
