/**
 * nodemailer, loaded when the first message goes through an `smtp://` mailer: the `"console"` and
 * function mailers never need it, and importing it at start-up cost resident memory for nothing
 * (issue 18). Only this module imports it; smtp.ts imports its types and awaits this loader.
 */
type Nodemailer = typeof import('nodemailer');

let nodemailerModule: Promise<Nodemailer> | undefined;

export function nodemailer(): Promise<Nodemailer> {
  nodemailerModule ??= import('nodemailer');
  return nodemailerModule;
}
