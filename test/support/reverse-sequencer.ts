import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Vitest's usual file order, reversed: with `GANTRY_TEST_ORDER=reverse` a
 * run puts every file next to different neighbours than usual, which shows a
 * test that depends on another file's leftovers or on running first.
 * (`--sequence.shuffle` mixes the order at random; this is the mirror image.)
 */
export class ReverseSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return (await super.sort(files)).reverse();
  }
}
