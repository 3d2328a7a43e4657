using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TaskFlow.ChatSocket.Data.Migrations
{
    /// <inheritdoc />
    public partial class SummarizedTokens : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "summarized_tokens",
                schema: "chat",
                table: "conversations",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "summarized_tokens",
                schema: "chat",
                table: "conversations");
        }
    }
}
