using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TaskFlow.ChatSocket.Data.Migrations
{
    /// <inheritdoc />
    public partial class OutboxPrompt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "pending_prompt",
                schema: "chat",
                table: "generations",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "queued_at",
                schema: "chat",
                table: "generations",
                type: "timestamp with time zone",
                nullable: true);

            // Jobs stored before this kept no prompt to publish again: they count as queued, as they were treated then.
            migrationBuilder.Sql("UPDATE chat.generations SET queued_at = created_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "pending_prompt",
                schema: "chat",
                table: "generations");

            migrationBuilder.DropColumn(
                name: "queued_at",
                schema: "chat",
                table: "generations");
        }
    }
}
