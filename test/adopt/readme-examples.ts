/** The convention example of README.md's "Adopting your repository": Gantry's layout plus one legacy overlay. */
export const CONVENTION_PLUS_KUSTOMIZE_LAYOUT = `# Gantry's own layout, plus legacy services still deployed with Kustomize
discovery:
  - kind: convention
  - kind: kustomize
    template: "legacy/{app}/overlays/{env}/kustomization.yaml"
    image: registry.example.com/legacy
metadata:
  team: { from: value, value: platform }
`;
