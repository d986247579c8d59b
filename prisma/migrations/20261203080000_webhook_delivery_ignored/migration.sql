-- Deliveries Gantry does not act on are still recorded (a replay stays a
-- duplicate), now with the reason they were ignored.

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN "ignored" TEXT;
