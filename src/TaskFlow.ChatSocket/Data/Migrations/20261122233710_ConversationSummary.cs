using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TaskFlow.ChatSocket.Data.Migrations
{
    /// <inheritdoc />
    public partial class ConversationSummary : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "summarized_through",
                schema: "chat",
                table: "conversations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "summary",
                schema: "chat",
                table: "conversations",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "summarized_through",
                schema: "chat",
                table: "conversations");

            migrationBuilder.DropColumn(
                name: "summary",
                schema: "chat",
                table: "conversations");
        }
    }
}
