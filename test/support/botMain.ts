/**
 * The bot's real entry wiring (src/main.ts `main`, configuration from the environment) for child-process tests,
 * with the Slack Web API pointed at the local fake. SIP_CHECK_TEST_SLACK_API_URL is read here only, never by
 * the product.
 */
import { exitOnStartFailure, main } from '../../src/main';

main(process.env, { slackApiUrl: process.env.SIP_CHECK_TEST_SLACK_API_URL }).catch(exitOnStartFailure);
