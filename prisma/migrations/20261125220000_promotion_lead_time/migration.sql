-- AlterTable
ALTER TABLE "Promotion" ADD COLUMN     "leadTimeSeconds" INTEGER;

