/** Slack's Block Kit and message limits (platform-facts §13), named so renderers and tests share them. */
export const limits = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  /** Top-level `text` fallback: Slack truncates at 40,000; we keep well under. */
  messageText: 4000,
  /** Total characters in one message's blocks before Slack answers `msg_blocks_too_long` (undocumented, ~12-13k). */
  messageBlocksText: 11_000,
  /** At most one message per second per channel for chat.postMessage. */
  postsPerSecondPerChannel: 1,
} as const;
