using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TaskFlow.Telemetry.Data.Migrations
{
    /// <inheritdoc />
    public partial class ScrubDeletedConversations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "deleted_conversations",
                schema: "telemetry",
                columns: table => new
                {
                    conversation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<string>(type: "text", nullable: false),
                    deleted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deleted_conversations", x => x.conversation_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_inference_logs_conversation_id",
                schema: "telemetry",
                table: "inference_logs",
                column: "conversation_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deleted_conversations",
                schema: "telemetry");

            migrationBuilder.DropIndex(
                name: "ix_inference_logs_conversation_id",
                schema: "telemetry",
                table: "inference_logs");
        }
    }
}
