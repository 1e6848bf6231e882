import { WebClient } from '@slack/web-api';
import type { DocPoster } from '../document/doc.ts';
import { docToBlocks, fallbackText, paginateBlocks } from './blocks/doc-to-blocks.ts';
import { type ChannelPacer, createChannelPacer } from './pacer.ts';

/**
 * Posts documents as channel messages at Slack's pace (one per second per channel; a 429 is
 * retried by the Web API client after its Retry-After). A document too big for one message
 * continues in the thread.
 */
export function createSlackPoster(client: WebClient, pace: ChannelPacer): DocPoster {
  return {
    async post(channel, doc, threadTs, beforeSend) {
      const pages = paginateBlocks(docToBlocks(doc));
      const text = fallbackText(doc);
      let first: string | undefined;
      for (const blocks of pages) {
        const thread = threadTs ?? first;
        const response = await pace(channel, async () => {
          await beforeSend?.();
          return client.chat.postMessage({ channel, text, blocks, ...(thread ? { thread_ts: thread } : {}) });
        });
        first ??= response.ts;
      }
      if (!first) throw new Error('chat.postMessage returned no ts');
      return first;
    },
    async uploadImage(png, title) {
      // The current upload flow: files.getUploadURLExternal, the bytes, files.completeUploadExternal.
      const uploaded = await client.filesUploadV2({ file: png, filename: 'fsbp-chart.png', title });
      const files = (uploaded as { files?: { files?: { id?: string }[] }[] }).files;
      const id = files?.[0]?.files?.[0]?.id;
      if (!id) throw new Error('files.completeUploadExternal returned no file');
      return id;
    },
  };
}

/** A poster for the CLI (`fsbp digest`): its own Web API client from SLACK_BOT_TOKEN and SLACK_API_URL. */
export function createCliPoster(env: NodeJS.ProcessEnv): DocPoster | undefined {
  if (!env.SLACK_BOT_TOKEN) return undefined;
  const client = new WebClient(
    env.SLACK_BOT_TOKEN,
    env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {},
  );
  return createSlackPoster(client, createChannelPacer());
}
